"""Campaigns in the admin: an audit the system administrator can read and never write."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pytest
from django.test import Client

from finegrid.campaigns.actions import add_task, create_plan
from finegrid.campaigns.models import Task
from finegrid.org.models import Unit, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(cast: Mapping[str, User]) -> Task:
    plan = create_plan(
        actor=cast["supervisor"],
        title="背街小巷整治行动",
        issuer="示范市城市管理委员会",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31),
    )
    return add_task(
        actor=cast["supervisor"],
        plan=plan,
        title="湖滨街道背街小巷立面整治",
        lead_unit=Unit.objects.get(name="明湖区城市管理局"),
        responsible=cast["deptadmin"],
        deadline=dt.date(2026, 12, 31),
    )


def test_the_admin_reads_a_task_and_its_events_but_cannot_change_them(
    cast: Mapping[str, User], task: Task
) -> None:
    client = Client()
    client.force_login(cast["admin"])

    listing = client.get("/admin/campaigns/task/")
    page = client.get(f"/admin/campaigns/task/{task.pk}/change/")
    posted = client.post(f"/admin/campaigns/task/{task.pk}/change/", {"title": "改名"})

    assert listing.status_code == 200
    assert "湖滨街道背街小巷立面整治" in listing.content.decode()
    assert page.status_code == 200
    assert "下达任务" in page.content.decode()  # the creation event, shown inline
    assert posted.status_code == 403
    assert client.get("/admin/campaigns/task/add/").status_code == 403
    task.refresh_from_db()
    assert task.title == "湖滨街道背街小巷立面整治"
