"""A department's campaign figures on its monthly ranking, and the tasks behind each one."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

import pytest
from django.test import Client

from finegrid.campaigns.actions import add_task, create_plan, decide_acceptance, request_acceptance
from finegrid.evaluation.actions import evaluate
from finegrid.evaluation.models import Scheme
from finegrid.evaluation.periods import Period
from finegrid.org.models import Unit, User

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
OCTOBER = Period.parse("2026-10")


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def unit(cast: Mapping[str, User]) -> Unit:
    """明湖区城市管理局 with two tasks due in October 2026: one ticked off on time, one late."""
    unit = Unit.objects.get(name="明湖区城市管理局")
    plan = create_plan(
        actor=cast["supervisor"],
        title="市容环境整治行动",
        issuer="示范市城市管理委员会",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31),
    )
    done, _late = (
        add_task(
            actor=cast["supervisor"],
            plan=plan,
            title=title,
            lead_unit=unit,
            responsible=cast["deptadmin"],
            deadline=dt.date(2026, 10, 15),
        )
        for title in ("主干道洗扫", "背街小巷立面整治")
    )
    asked = request_acceptance(
        actor=cast["deptadmin"],
        task=done,
        evidence="已完成",
        at=dt.datetime(2026, 10, 14, 10, tzinfo=SHANGHAI),
    )
    decide_acceptance(
        actor=cast["leader"],
        request=asked,
        accept=True,
        at=dt.datetime(2026, 10, 16, 10, tzinfo=SHANGHAI),
    )
    evaluate(
        schemes=[Scheme.objects.get(code="departments-campaigns")],
        period=OCTOBER,
        actor=None,
        now=dt.datetime(2026, 11, 2, 9, tzinfo=SHANGHAI),
    )
    return unit


def test_the_ranking_links_a_campaign_figure_to_the_tasks_behind_it(
    cast: Mapping[str, User], unit: Unit
) -> None:
    leader = _client(cast["leader"])
    ranking = leader.get(
        "/rankings/",
        {"scheme": "departments-campaigns", "period": "2026-10", "kind": "department"},
    ).content.decode()
    late_url = f"/campaigns/behind/campaign_tasks_late/2026-10/{unit.pk}/"

    assert "专项任务按期销号率" in ranking
    assert late_url in ranking

    page = leader.get(late_url)
    text = page.content.decode()
    assert page.status_code == 200
    assert "背街小巷立面整治" in text
    assert "主干道洗扫" not in text
    assert re.search(r'<span class="badge">1</span>', text)


def test_the_tasks_behind_a_figure_are_for_ranking_readers_only(
    cast: Mapping[str, User], unit: Unit
) -> None:
    url = f"/campaigns/behind/campaign_tasks_due/2026-10/{unit.pk}/"
    assert _client(cast["receptionist"]).get(url).status_code == 403
    assert _client(cast["leader"]).get(url).status_code == 200
    leader = _client(cast["leader"])
    assert leader.get(f"/campaigns/behind/nope/2026-10/{unit.pk}/").status_code == 404
    assert leader.get(f"/campaigns/behind/campaign_tasks_due/2026-13/{unit.pk}/").status_code == 404
