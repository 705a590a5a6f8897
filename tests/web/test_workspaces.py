"""The centre's console, the case page and its actions, the department's and supervisors' pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from finegrid.cases.models import Case
from finegrid.cases.workflow import Action, Status
from tests.cases.builders import case_in, exposed_rubbish
from tests.cases.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("username", "path", "status"),
    [
        ("receptionist", "/console/", 200),
        ("shiftleader", "/console/", 200),
        ("dispatcher", "/console/", 200),
        ("handler", "/console/", 403),
        ("handler", "/department/", 200),
        ("deptadmin", "/department/", 200),
        ("dispatcher", "/department/", 403),
        ("supervisor", "/supervision/", 200),
        ("leader", "/supervision/", 200),
        ("inspector", "/supervision/", 403),
    ],
)
def test_each_workspace_opens_for_its_roles_only(
    cast: Any, username: str, path: str, status: int
) -> None:
    response = client_of(cast[username]).get(path)
    assert response.status_code == status
    if status == 403:
        assert "无权访问" in response.content.decode()


def test_the_top_bar_offers_each_user_their_workspaces(cast: Any) -> None:
    page = client_of(cast["dispatcher"]).get("/").content.decode()
    assert 'href="/console/"' in page
    assert 'href="/department/"' not in page


def test_the_receptionists_queue_lists_new_reports_with_their_light(cast: Any) -> None:
    case = case_in(Status.REPORTED, cast=cast)
    page = client_of(cast["receptionist"]).get("/console/?queue=reported").content.decode()
    assert case.case_no in page
    assert "light-red" in page  # built days ago: its acceptance is long overdue


def test_search_finds_by_number_and_filters_overdue(cast: Any) -> None:
    case = case_in(Status.PENDING_FILING, cast=cast)
    client = client_of(cast["shiftleader"])
    assert case.case_no in client.get("/console/", {"q": case.case_no}).content.decode()
    assert case.case_no not in client.get("/console/", {"q": "不存在的内容xyz"}).content.decode()
    assert (
        case.case_no
        in client.get("/console/", {"overdue": "1", "q": case.case_no}).content.decode()
    )


def test_the_case_page_offers_exactly_the_users_actions(cast: Any) -> None:
    case = case_in(Status.REPORTED, cast=cast)
    page = client_of(cast["receptionist"]).get(f"/cases/{case.pk}/").content.decode()
    assert f"/cases/{case.pk}/act/accept" in page
    assert f"/cases/{case.pk}/act/decline" in page
    assert "/act/dispatch" not in page
    assert client_of(cast["handler"]).get(f"/cases/{case.pk}/").status_code == 404


def test_filing_from_the_case_page_and_the_proposal_shown_before_dispatch(cast: Any) -> None:
    case = case_in(Status.PENDING_FILING, cast=cast)
    category, rule = exposed_rubbish()
    client = client_of(cast["shiftleader"])
    response = client.post(
        f"/cases/{case.pk}/act/file",
        {"version": case.version, "category": category.pk, "filing_rule": rule.pk, "urgency": "C"},
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == Status.FILED
    page = client_of(cast["dispatcher"]).get(f"/cases/{case.pk}/").content.decode()
    assert "建议派遣至" in page


def test_a_missing_reason_is_shown_at_the_field_and_keeps_the_case(cast: Any) -> None:
    case = case_in(Status.REPORTED, cast=cast)
    response = client_of(cast["receptionist"]).post(
        f"/cases/{case.pk}/act/decline", {"version": case.version, "note": ""}
    )
    assert response.status_code == 422
    assert "这个字段是必填项" in response.content.decode() or "必填" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.REPORTED


def test_a_stale_action_says_who_changed_the_case_and_when(cast: Any) -> None:
    case = case_in(Status.REPORTED, cast=cast)
    stale_version = case.version
    client_of(cast["receptionist"]).post(f"/cases/{case.pk}/act/accept", {"version": stale_version})
    other = client_of(cast["receptionist"])
    response = other.post(
        f"/cases/{case.pk}/act/decline", {"version": stale_version, "note": "重复"}, follow=True
    )
    page = response.content.decode()
    assert "此案卷已被李娜于" in page
    assert Case.objects.get(pk=case.pk).status == Status.VERIFYING


def test_a_double_click_acts_once_and_is_not_an_error(cast: Any) -> None:
    case = case_in(Status.REPORTED, cast=cast)
    client = client_of(cast["receptionist"])
    first = client.post(f"/cases/{case.pk}/act/accept", {"version": case.version})
    second = client.post(f"/cases/{case.pk}/act/accept", {"version": case.version}, follow=True)
    assert first.status_code == 302
    assert "此案卷已被" not in second.content.decode()
    assert Case.objects.get(pk=case.pk).events.filter(action=Action.ACCEPT).count() == 1


def test_the_department_disposes_with_a_photo(cast: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = case_in(Status.DISPOSING, cast=cast)
    response = client_of(cast["handler"]).post(
        f"/cases/{case.pk}/act/dispose",
        {
            "version": case.version,
            "note": "已清理",
            "photos": [SimpleUploadedFile("after.jpg", jpeg_bytes())],
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.DISPOSED
    assert case.attachments.get().kind == "after"


def test_a_fake_photo_is_refused_at_the_field_and_nothing_changes(cast: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = case_in(Status.DISPOSING, cast=cast)
    response = client_of(cast["handler"]).post(
        f"/cases/{case.pk}/act/dispose",
        {
            "version": case.version,
            "note": "已清理",
            "photos": [SimpleUploadedFile("a.jpg", b"MZ" + b"0" * 99)],
        },
    )
    assert response.status_code == 422
    assert "不是有效的图片文件" in response.content.decode()
    assert "已清理" in response.content.decode()  # what was typed is kept
    assert Case.objects.get(pk=case.pk).status == Status.DISPOSING


def test_bulk_dispatch_sends_each_case_to_its_proposal(cast: Any) -> None:
    cases = [case_in(Status.FILED, cast=cast) for _ in range(2)]
    response = client_of(cast["dispatcher"]).post(
        "/console/dispatch",
        {"case": [c.pk for c in cases], "department": cast["handler"].unit_id},
        follow=True,
    )
    assert "已派遣2件" in response.content.decode()
    assert {Case.objects.get(pk=c.pk).status for c in cases} == {Status.DISPATCHED}


def test_the_department_page_counts_this_week_and_lists_with_countdowns(cast: Any) -> None:
    case_in(Status.DISPATCHED, cast=cast)
    page = client_of(cast["handler"]).get("/department/").content.decode()
    assert "待签收" in page
    assert "已超时" in page or "剩余" in page


def test_supervisors_see_overdue_cases_and_can_supervise(cast: Any) -> None:
    case = case_in(Status.DISPOSING, cast=cast)
    client = client_of(cast["supervisor"])
    assert case.case_no in client.get("/supervision/").content.decode()
    response = client.post(
        f"/cases/{case.pk}/act/supervise", {"version": case.version, "note": "请今日办结"}
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).supervised


def test_photos_are_served_only_to_who_may_see_the_case(cast: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = case_in(Status.DISPOSING, cast=cast)
    client_of(cast["handler"]).post(
        f"/cases/{case.pk}/act/dispose",
        {
            "version": case.version,
            "note": "好",
            "photos": [SimpleUploadedFile("a.jpg", jpeg_bytes())],
        },
    )
    photo = Case.objects.get(pk=case.pk).attachments.get()
    url = f"/cases/{case.pk}/photos/{photo.pk}"
    assert client_of(cast["handler"]).get(url).status_code == 200
    assert client_of(cast["inspector"]).get(url).status_code in {200, 404}
    assert Client().get(url).status_code == 302  # to the login page


def test_the_account_page_and_a_password_change(cast: Any) -> None:
    client = client_of(cast["handler"])
    page = client.get("/account/").content.decode()
    assert "明湖区城市管理局" in page
    assert "处置人员" in page
    wrong = client.post(
        "/account/password/",
        {"old_password": "not-it", "new_password1": "x", "new_password2": "y"},
    )
    assert wrong.status_code == 200
    assert "has-error" in wrong.content.decode()


def test_error_pages_speak_chinese(cast: Any, settings: Any) -> None:
    settings.DEBUG = False
    client = client_of(cast["handler"])
    assert "页面不存在" in client.get("/no-such-page/").content.decode()


def test_an_oversized_form_and_a_missing_csrf_token_get_pages_in_chinese(
    cast: Any, settings: Any
) -> None:
    settings.FINEGRID_MAX_REQUEST_BYTES = 100
    too_big = Client().post("/citizen/report", {"description": "x" * 500})
    assert too_big.status_code == 413
    assert "提交的内容过大" in too_big.content.decode()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(cast["receptionist"])
    refused = strict.post("/account/tokens/", {"name": "x"})
    assert refused.status_code == 403
    assert "页面已过期" in refused.content.decode()


@pytest.mark.parametrize(
    "username",
    ["inspector", "receptionist", "shiftleader", "dispatcher", "handler", "deptadmin",
     "supervisor", "leader", "admin"],
)  # fmt: skip
def test_every_demo_login_reaches_its_workspaces(cast: Any, username: str) -> None:
    from finegrid.web.context import WORKSPACES

    client = client_of(cast[username])
    home = client.get("/")
    links = home.context["workspaces"]
    assert links, f"{username} has no workspace"
    for link in links:
        assert client.get(link["url"]).status_code == 200, (username, link["url"])
    offered = {link["name"] for link in links}
    for name, _label, _roles in WORKSPACES:
        if name not in offered:
            from django.urls import reverse

            assert client.get(reverse(name)).status_code in {403, 302}, (username, name)
