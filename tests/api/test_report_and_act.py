"""A case through the API from report to close, each step by the role that takes it."""

from __future__ import annotations

from typing import Any

import pytest

from finegrid.cases.models import Case
from finegrid.cases.workflow import Status
from tests.cases.conftest import grid_point, jpeg_bytes

pytestmark = pytest.mark.django_db


def report_body(**extra: Any) -> dict[str, Any]:
    lon, lat = grid_point()
    return {"lon": lon, "lat": lat, "description": "人行道上有暴露垃圾", **extra}


def test_a_case_goes_from_report_to_close_through_the_api(
    api_as: Any, exposed_rubbish: Any, cast: Any
) -> None:
    category, rule = exposed_rubbish
    inspector = api_as("inspector")
    photo = inspector.upload(jpeg_bytes())
    assert photo.status_code == 201, photo.content
    created = inspector.post("/cases", report_body(photos=[photo.json()["id"]]))
    assert created.status_code == 201, created.content
    case = created.json()
    assert case["status"] == Status.REPORTED
    assert [a["kind"] for a in case["attachments"]] == ["before"]

    def act(who: str, action: str, **body: Any) -> dict[str, Any]:
        nonlocal case
        response = api_as(who).post(
            f"/cases/{case['id']}/{action}", {"version": case["version"], **body}
        )
        assert response.status_code == 200, (action, response.json())
        case = response.json()["case"]
        return dict(case)

    act("receptionist", "accept")
    assert case["status"] == Status.PENDING_FILING  # an inspector's own report needs no verifying
    act("shiftleader", "file", category_id=category.pk, filing_rule_id=rule.pk)
    assert case["proposal"]["department"] is not None
    act("dispatcher", "dispatch", department_id=cast["handler"].unit_id)
    act("handler", "sign_for")
    act("handler", "dispose", note="已清理")
    act("receptionist", "send_check")
    act("inspector", "pass_check")
    act("shiftleader", "close")
    assert case["status"] == Status.CLOSED
    assert [e["action"] for e in case["timeline"]] == [
        "report",
        "accept",
        "file",
        "dispatch",
        "sign_for",
        "dispose",
        "send_check",
        "pass_check",
        "close",
    ]


def test_the_case_page_offers_exactly_what_the_caller_may_do(api_as: Any) -> None:
    created = api_as("inspector").post("/cases", report_body())
    case_id = created.json()["id"]
    assert api_as("receptionist").get(f"/cases/{case_id}").json()["allowed_actions"] == [
        "accept",
        "decline",
    ]
    assert api_as("inspector").get(f"/cases/{case_id}").json()["allowed_actions"] == []
    assert api_as("supervisor").get(f"/cases/{case_id}").json()["allowed_actions"] == ["supervise"]


def test_a_stale_version_is_a_conflict_and_changes_nothing(api_as: Any) -> None:
    case = api_as("inspector").post("/cases", report_body()).json()
    receptionist = api_as("receptionist")
    assert (
        receptionist.post(f"/cases/{case['id']}/accept", {"version": case["version"]}).status_code
        == 200
    )
    again = receptionist.post(
        f"/cases/{case['id']}/decline", {"version": case["version"], "note": "重复"}
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    assert Case.objects.get(pk=case["id"]).status == Status.PENDING_FILING


def test_an_action_the_role_cannot_take_is_403_in_the_callers_language(api_as: Any) -> None:
    case = api_as("inspector").post("/cases", report_body()).json()
    dispatcher = api_as("dispatcher")
    refused = dispatcher.post(f"/cases/{case['id']}/accept", {"version": 1})
    assert refused.status_code == 403
    assert refused.json()["error"] == {
        "code": "not_permitted",
        "message": "您的岗位不能对此案卷执行“受理”",
        "field": None,
    }
    dispatcher.headers["Accept-Language"] = "en"
    english = dispatcher.post(f"/cases/{case['id']}/accept", {"version": 1}).json()["error"]
    assert english["message"] == 'Your post cannot "Accept" this case'


def test_a_missing_note_names_the_field(api_as: Any) -> None:
    case = api_as("inspector").post("/cases", report_body()).json()
    response = api_as("receptionist").post(f"/cases/{case['id']}/decline", {"version": 1})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "note"
