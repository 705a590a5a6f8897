"""Cases in the admin: browsable, never written; the citizen's contact hidden or masked; step limits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.test import Client, override_settings

from finegrid.cases import actions
from finegrid.cases.models import Case, CaseEvent, Source, StepLimit
from finegrid.cases.photos import Photo
from finegrid.org.models import User
from tests.cases.conftest import grid_point, jpeg_bytes

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
AT = dt.datetime(2026, 11, 16, 9, tzinfo=SH)


@pytest.fixture
def case(cast: dict[str, User], tmp_path: Path) -> Case:
    """A hotline report with the caller's contact and a photo, accepted and sent to verify."""
    lon, lat = grid_point()
    with override_settings(MEDIA_ROOT=tmp_path):
        reported = actions.report_case(
            actor=cast["receptionist"],
            source=Source.HOTLINE,
            lon=lon,
            lat=lat,
            address="湖滨路12号门前",
            description="路口有暴露垃圾",
            citizen=actions.CitizenInput(name="王小明", phone="13912345678"),
            photos=[Photo("before.jpg", jpeg_bytes())],
            at=AT,
        )
    actions.accept_case(
        case_id=reported.pk,
        version=1,
        actor=cast["receptionist"],
        at=AT + dt.timedelta(minutes=5),
    )
    return Case.objects.get(pk=reported.pk)


@pytest.fixture
def superuser(client: Client) -> Client:
    client.force_login(User.objects.create_superuser(username="case-admin", password="x"))
    return client


@pytest.fixture
def viewer(client: Client, cast: dict[str, User]) -> Client:
    """The demo system administrator, allowed to view cases but not citizens' contacts."""
    admin = cast["admin"]
    admin.user_permissions.add(Permission.objects.get(codename="view_case"))
    client.force_login(admin)
    return client


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_case_list_shows_cases_but_never_the_citizens_contact(
    superuser: Client, case: Case
) -> None:
    content = page(superuser, "/admin/cases/case/")

    assert case.case_no in content
    assert "1 案卷" in content
    assert "待核实" in content
    assert "12345热线" in content
    for hidden in ("王小明", "王*", "13912345678", "139****5678"):
        assert hidden not in content


def test_the_case_list_filters_and_searches(superuser: Client, case: Case) -> None:
    assert "1 案卷" in page(superuser, f"/admin/cases/case/?q={case.case_no}")
    assert "1 案卷" in page(superuser, "/admin/cases/case/?q=湖滨路12号")
    assert "0 案卷" in page(superuser, "/admin/cases/case/?q=没有这个地址")
    assert "1 案卷" in page(superuser, "/admin/cases/case/?status__exact=verifying")
    assert "0 案卷" in page(superuser, "/admin/cases/case/?status__exact=closed")
    assert "1 案卷" in page(superuser, "/admin/cases/case/?source__exact=hotline")
    assert "1 案卷" in page(superuser, f"/admin/cases/case/?district__id__exact={case.district_id}")
    assert "0 案卷" in page(superuser, "/admin/cases/case/?supervised__exact=1")


def test_the_case_page_shows_its_events_and_attachments(superuser: Client, case: Case) -> None:
    content = page(superuser, f"/admin/cases/case/{case.pk}/change/")

    assert "查看 案卷" in content
    assert "流转记录" in content
    assert "上报" in content
    assert "受理" in content
    assert "— → 待受理" in content
    assert "待受理 → 待核实" in content
    assert "受理员" in content
    assert "image/jpeg" in content
    assert f"{case.case_no}-" in content  # the stored photo's name
    assert "#1 上报" in content


def test_a_user_who_may_see_contacts_sees_them_in_full(superuser: Client, case: Case) -> None:
    content = page(superuser, f"/admin/cases/case/{case.pk}/change/")

    assert "王小明 13912345678" in content


def test_a_user_who_may_not_see_contacts_sees_them_masked(viewer: Client, case: Case) -> None:
    content = page(viewer, f"/admin/cases/case/{case.pk}/change/")

    assert "王** 139****5678" in content
    assert "王小明" not in content
    assert "13912345678" not in content


def test_posting_a_change_is_refused_and_changes_nothing(superuser: Client, case: Case) -> None:
    before = Case.objects.values().get(pk=case.pk)
    events = CaseEvent.objects.filter(case=case).count()

    response = superuser.post(
        f"/admin/cases/case/{case.pk}/change/",
        {"status": "closed", "description": "改掉", "supervised": "on"},
    )

    assert response.status_code == 403
    assert Case.objects.values().get(pk=case.pk) == before
    assert CaseEvent.objects.filter(case=case).count() == events


def test_cases_cannot_be_added_or_deleted_in_the_admin(superuser: Client, case: Case) -> None:
    assert superuser.get("/admin/cases/case/add/").status_code == 403
    assert (
        superuser.post(f"/admin/cases/case/{case.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert Case.objects.filter(pk=case.pk).exists()


def test_step_limits_are_listed_with_chinese_steps_and_units(superuser: Client) -> None:
    content = page(superuser, "/admin/cases/steplimit/")

    assert "9 环节时限" in content
    assert ">受理</a>" in content
    assert ">结案后可重新开启的期限</a>" in content
    assert '<td class="field-limit">0.5 工作时</td>' in content
    assert '<td class="field-limit">5 工作日</td>' in content


def test_a_step_limit_is_edited_in_the_admin_and_the_clock_uses_it(
    superuser: Client, cast: dict[str, User]
) -> None:
    accept = StepLimit.objects.get(step="accept")

    response = superuser.post(
        f"/admin/cases/steplimit/{accept.pk}/change/", {"amount": "2", "unit": "working_hours"}
    )

    assert response.status_code == 302
    accept.refresh_from_db()
    assert (accept.amount, accept.unit) == (Decimal("2.00"), "working_hours")
    lon, lat = grid_point()
    reported = actions.report_case(
        actor=cast["inspector"],
        source=Source.INSPECTOR,
        lon=lon,
        lat=lat,
        description="巡查发现暴露垃圾",
        at=AT,
    )
    assert reported.step_deadline == AT + dt.timedelta(hours=2)


def test_a_step_limit_of_zero_is_refused_and_kept(superuser: Client) -> None:
    accept = StepLimit.objects.get(step="accept")

    response = superuser.post(
        f"/admin/cases/steplimit/{accept.pk}/change/", {"amount": "0", "unit": "working_hours"}
    )

    assert response.status_code == 200
    accept.refresh_from_db()
    assert accept.amount == Decimal("0.50")


def test_step_limits_cannot_be_deleted_or_added_twice(superuser: Client) -> None:
    accept = StepLimit.objects.get(step="accept")

    assert (
        superuser.post(f"/admin/cases/steplimit/{accept.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert superuser.get("/admin/cases/steplimit/add/").status_code == 403
    assert StepLimit.objects.count() == 9


def test_the_admin_shows_only_the_cases_in_the_users_scope(
    client: Client, cast: dict[str, User], case: Case
) -> None:
    # A department's administrator sees what was dispatched to the department: not this report.
    deptadmin = cast["deptadmin"]
    deptadmin.user_permissions.add(Permission.objects.get(codename="view_case"))
    client.force_login(deptadmin)

    assert "0 案卷" in page(client, "/admin/cases/case/")
    response = client.get(f"/admin/cases/case/{case.pk}/change/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
