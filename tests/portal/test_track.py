"""Following a report with its tracking code: the public timeline (no staff, no contact details,
no internal notes), photos for the code's holder only, a rating once, "not fixed" that reopens,
and wrong codes answered 404 and limited per address."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from finegrid.api.limits import Rate
from finegrid.cases import tracking as codes
from finegrid.cases.models import AttachmentKind, Case, CaseAttachment, CaseEvent, Satisfaction
from finegrid.cases.photos import Photo
from finegrid.cases.workflow import CITIZEN_ROLE, Action, Status
from finegrid.org.models import User
from finegrid.portal import limits
from tests.cases.builders import actor_for, case_in, perform, snapshot
from tests.cases.conftest import jpeg_bytes
from tests.portal.conftest import recent_case, report_data

pytestmark = pytest.mark.django_db


def _page(response: Any) -> str:
    return str(response.content.decode())


def _closed_case_with_history(cast: dict[str, User]) -> Case:
    """Closed, after a supervisor's internal note and a disposal with a note and an after photo."""
    case = recent_case(Status.DISPOSING, cast)
    perform(Action.SUPERVISE, case=case, actor=cast["leader"], note="内部督办：请李科长今天处理")
    perform(
        Action.DISPOSE,
        case=case,
        actor=cast["handler"],
        note="已清运垃圾并冲洗路面",
        photos=[Photo("after.jpg", jpeg_bytes("green"))],
    )
    for action in (Action.SEND_CHECK, Action.PASS_CHECK, Action.CLOSE):
        case.refresh_from_db()
        perform(action, case=case, actor=actor_for(action, case, cast))
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    return case


def test_the_timeline_is_in_plain_words_without_staff_or_internal_notes(
    client: Client, cast: dict[str, User]
) -> None:
    case = _closed_case_with_history(cast)
    response = client.get(f"/citizen/track/{case.tracking_code}")
    page = _page(response)
    assert response.status_code == 200
    assert '<p class="status stage-done">' in page
    assert "已办结" in page
    for step in (
        "问题已上报",
        "受理",
        "现场核实",
        "立案",
        "派遣至明湖区城市管理局",
        "处置完成",
        "核查通过",
        "结案",
    ):
        assert f"<strong>{step}</strong>" in page, step
    assert "已清运垃圾并冲洗路面" in page  # the disposal note is what the citizen judges
    assert "内部督办" not in page
    assert "督办" not in page
    actors = User.objects.filter(case_events__case=case).distinct()
    assert actors.count() >= 4
    for user in actors:
        for name in {str(user), user.username, user.get_full_name()} - {""}:
            assert name not in page, name
    after_photo = CaseAttachment.objects.get(case=case, kind=AttachmentKind.AFTER)
    assert f"/citizen/track/{case.tracking_code}/photos/{after_photo.pk}" in page


def test_the_citizens_own_name_and_phone_are_not_shown(client: Client) -> None:
    client.post("/citizen/report", report_data(name="王秀英", phone="13987654321"))
    case = Case.objects.get(description="湖滨路口人行道上堆了一堆建筑垃圾")
    page = _page(client.get(f"/citizen/track/{case.tracking_code}"))
    assert "已提交，等待受理" in page
    assert "王秀英" not in page
    assert "13987654321" not in page
    assert "139****4321" not in page  # not even masked


def test_codes_are_read_in_any_case_with_dashes_and_spaces(
    client: Client, cast: dict[str, User]
) -> None:
    case = recent_case(Status.REPORTED, cast)
    code = case.tracking_code or ""
    typed = f" {code[:4].lower()}-{code[4:]} "
    response = client.get("/citizen/track", {"code": typed})
    assert (response.status_code, response["Location"]) == (302, f"/citizen/track/{code}")
    loose = client.get(f"/citizen/track/{codes.display(code).lower()}")
    assert (loose.status_code, loose["Location"]) == (302, f"/citizen/track/{code}")


def test_a_wrong_code_is_404_with_a_clear_message(client: Client) -> None:
    response = client.get("/citizen/track", {"code": "ABCD-2345"})
    assert response.status_code == 404
    page = _page(response)
    assert "没有找到这个查询码对应的反映" in page
    assert 'value="ABCD-2345"' in page  # what was typed stays in the box
    assert client.get("/citizen/track/ABCD2345").status_code == 404
    malformed = client.get("/citizen/track", {"code": "12"})
    assert malformed.status_code == 400
    assert "查询码应为8位字母或数字" in _page(malformed)


def test_guessing_codes_is_stopped_per_address(
    client: Client, cast: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "WRONG_CODES", Rate(requests=3, seconds=3600))
    case = recent_case(Status.REPORTED, cast)
    answers = [client.get(f"/citizen/track/ABCD234{n}").status_code for n in range(2, 6)]
    assert answers == [404, 404, 404, 429]
    # Over the limit, even the right code gets 429: a guesser cannot tell a hit by the answer.
    right = client.get(f"/citizen/track/{case.tracking_code}")
    assert right.status_code == 429
    assert "输错查询码的次数过多，请在" in _page(right)
    assert 1 <= int(right["Retry-After"]) <= 3600
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.get(f"/citizen/track/{case.tracking_code}").status_code == 200


def test_photos_are_served_only_with_their_cases_code(
    client: Client, cast: dict[str, User]
) -> None:
    case = _closed_case_with_history(cast)
    other = recent_case(Status.REPORTED, cast)
    after_photo = CaseAttachment.objects.get(case=case, kind=AttachmentKind.AFTER)
    served = client.get(f"/citizen/track/{case.tracking_code}/photos/{after_photo.pk}")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content) == after_photo.file.open("rb").read()  # type: ignore[attr-defined]
    assert (
        client.get(f"/citizen/track/{other.tracking_code}/photos/{after_photo.pk}").status_code
        == 404
    )


def test_the_citizen_rates_a_closed_case_once(client: Client, cast: dict[str, User]) -> None:
    case = recent_case(Status.CLOSED, cast)
    page = _page(client.get(f"/citizen/track/{case.tracking_code}"))
    assert "评价处理结果" in page
    assert "没有解决，重新处理" in page
    form = {"version": case.version, "satisfaction": "basic", "note": "还可以"}

    first = client.post(f"/citizen/track/{case.tracking_code}/rate", form)
    second = client.post(f"/citizen/track/{case.tracking_code}/rate", form)  # a double click

    case.refresh_from_db()
    assert (first.status_code, second.status_code) == (302, 302)
    assert case.satisfaction == Satisfaction.BASIC
    rated = CaseEvent.objects.get(case=case, action=Action.RATE)
    assert (rated.actor, rated.actor_role, rated.note) == (None, CITIZEN_ROLE, "还可以")
    after = _page(client.get(f"/citizen/track/{case.tracking_code}"))
    assert "此案卷已更新" in after  # the second click's message
    assert "评价：基本满意" in after
    assert "评价处理结果" not in after  # no second rating form
    again = client.post(
        f"/citizen/track/{case.tracking_code}/rate", {**form, "version": case.version}
    )
    assert again.status_code == 302
    assert "此案卷已评价" in _page(client.get(again["Location"]))
    assert CaseEvent.objects.filter(case=case, action=Action.RATE).count() == 1


def test_a_rating_must_be_chosen(client: Client, cast: dict[str, User]) -> None:
    case = recent_case(Status.CLOSED, cast)
    before = snapshot(case)
    response = client.post(f"/citizen/track/{case.tracking_code}/rate", {"version": case.version})
    assert response.status_code == 422
    assert "请选择满意、基本满意或不满意" in _page(response)
    assert snapshot(case) == before


def test_not_fixed_reopens_the_case(client: Client, cast: dict[str, User]) -> None:
    case = recent_case(Status.CLOSED, cast)
    response = client.post(
        f"/citizen/track/{case.tracking_code}/not-fixed",
        {"version": case.version, "note": "垃圾又堆起来了"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.rework_count) == (Status.DISPOSING, 1)
    reopened = CaseEvent.objects.get(case=case, action=Action.REOPEN)
    assert (reopened.actor, reopened.actor_role, reopened.note) == (
        None,
        CITIZEN_ROLE,
        "垃圾又堆起来了",
    )
    page = _page(client.get(response["Location"]))
    assert "问题已退回处置单位重新处理" in page
    assert "<strong>反映未解决，重新处置</strong>" in page
    assert "正在处置" in page
    assert "垃圾又堆起来了" not in page.split('class="timeline"')[1]  # notes stay off the timeline


def test_not_fixed_needs_a_reason_and_keeps_the_case(client: Client, cast: dict[str, User]) -> None:
    case = recent_case(Status.CLOSED, cast)
    before = snapshot(case)
    response = client.post(
        f"/citizen/track/{case.tracking_code}/not-fixed", {"version": case.version, "note": " "}
    )
    assert response.status_code == 422
    assert "请说明问题哪里没有解决" in _page(response)
    assert snapshot(case) == before


def test_an_open_case_offers_neither_rating_nor_reopening(
    client: Client, cast: dict[str, User]
) -> None:
    case = recent_case(Status.DISPOSING, cast)
    page = _page(client.get(f"/citizen/track/{case.tracking_code}"))
    assert "正在处置" in page
    assert "评价处理结果" not in page
    assert "没有解决，重新处理" not in page
    before = snapshot(case)
    response = client.post(
        f"/citizen/track/{case.tracking_code}/rate",
        {"version": case.version, "satisfaction": "satisfied"},
    )
    assert response.status_code == 302  # back to the page, which says the case moved on
    assert snapshot(case) == before


def test_not_fixed_is_closed_after_the_window(client: Client, cast: dict[str, User]) -> None:
    case = case_in(
        Status.CLOSED, cast=cast, public=True, start=timezone.now() - dt.timedelta(days=20)
    )
    page = _page(client.get(f"/citizen/track/{case.tracking_code}"))
    assert "没有解决，重新处理" not in page
    assert "评价处理结果" in page  # rating has no window
    before = snapshot(case)
    response = client.post(
        f"/citizen/track/{case.tracking_code}/not-fixed",
        {"version": case.version, "note": "还是没修好"},
    )
    assert response.status_code == 302
    assert "不能重新开启" in _page(client.get(response["Location"]))
    assert snapshot(case) == before
