"""Every endpoint × every caller: allowed or refused as the access rules say.

The callers are the nine demo users (one per role, each with a personal token), an integration's
service token, and nobody. For each workflow action a case waits in a status where the action is
allowed; each caller tries it (rolled back after), and the answer must be what the workflow table
and the access selector decide: 200 for a role the table names, 404 where the case is out of the
caller's sight, 403 otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from finegrid.api.tokens import issue_personal_token, issue_service_token
from finegrid.cases.access import visible_cases
from finegrid.cases.models import Case, Source
from finegrid.cases.workflow import TRANSITIONS, Action, Status
from finegrid.geo.models import Area
from finegrid.org.models import User
from finegrid.org.roles import roles_of
from tests.api.conftest import Api
from tests.cases.builders import case_in, exposed_rubbish, rolled_back, shared_spatial_index

__all__ = ["shared_spatial_index"]
pytestmark = pytest.mark.django_db

DEMO = ("inspector", "receptionist", "shiftleader", "dispatcher", "handler", "deptadmin",
        "supervisor", "leader", "admin")  # fmt: skip


def status_for(action: Action) -> Status:
    """A status where the action is allowed (the main line's, where there is a choice)."""
    preferred = {Action.CANCEL: Status.FILED, Action.SUPERVISE: Status.DISPOSING,
                 Action.APPROVE_OVERDUE_APPEAL: Status.DISPOSING}  # fmt: skip
    if action in preferred:
        return preferred[action]
    return next(s for (s, a) in TRANSITIONS if a == action)


def body_for(action: Action, case: Case, cast: Mapping[str, User]) -> dict[str, Any]:
    body: dict[str, Any] = {"version": case.version, "note": "矩阵测试"}
    if action == Action.FILE:
        category, rule = exposed_rubbish()
        body |= {"category_id": category.pk, "filing_rule_id": rule.pk}
    elif action == Action.DISPATCH:
        body["department_id"] = cast["handler"].unit_id
    elif action == Action.REQUEST_EXTENSION:
        body |= {"amount": "1", "unit": "working_days"}
    elif action == Action.RATE:
        body["satisfaction"] = "satisfied"
    return body


@pytest.fixture
def callers(cast: dict[str, User]) -> dict[str, Api]:
    out = {name: Api(issue_personal_token(user=cast[name], name="matrix")[1]) for name in DEMO}
    city = Area.objects.current().get(level="city")
    out["service"] = Api(issue_service_token(name="m", source=Source.HOTLINE, area=city)[1])
    out["nobody"] = Api(None)
    return out


def expected(caller: str, action: Action, case: Case, cast: Mapping[str, User]) -> int:
    if caller == "nobody":
        return 401
    if caller == "service":
        return 403  # an integration reports and reads; it never takes a workflow step
    user = cast[caller]
    if not visible_cases(user).filter(pk=case.pk).exists():
        return 404
    allowed = TRANSITIONS[(case.status_enum, action)].roles
    return 200 if roles_of(user) & allowed else 403


@pytest.mark.parametrize("action", [a for a in Action if a != Action.REPORT], ids=str)
def test_each_action_answers_each_caller_as_the_rules_say(
    action: Action, cast: dict[str, User], callers: dict[str, Api]
) -> None:
    case = case_in(status_for(action), cast=cast)
    outcomes = {}
    for name, api in callers.items():
        with rolled_back():
            response = api.post(f"/cases/{case.pk}/{action.value}", body_for(action, case, cast))
        outcomes[name] = response.status_code
    assert outcomes == {name: expected(name, action, case, cast) for name in callers}
    assert 200 in outcomes.values(), "somebody must be able to take every action"


READS = ["/cases", "/cases/{id}", "/me/tasks", "/me", "/geo/areas", "/geo/locate?lon={lon}&lat={lat}",
         "/catalogue/categories", "/catalogue/action-tags", "/departments", "/ping", "/me/tokens"]  # fmt: skip


def test_reads_answer_each_caller_as_the_rules_say(
    cast: dict[str, User], callers: dict[str, Api]
) -> None:
    case = case_in(Status.DISPOSING, cast=cast)
    for path in READS:
        url = path.format(id=case.pk, lon=case.lon, lat=case.lat)
        for name, api in callers.items():
            status = api.get(url).status_code
            if name == "nobody":
                want = 401
            elif path == "/cases/{id}":
                visible = (
                    name != "service" and visible_cases(cast[name]).filter(pk=case.pk).exists()
                )
                want = (
                    200 if visible or (name == "service" and case.source == Source.HOTLINE) else 404
                )
            elif name == "service" and path in {"/me/tasks", "/me", "/me/tokens"}:
                want = 403
            else:
                want = 200
            assert status == want, (path, name, status)


def test_case_lists_hold_exactly_what_the_selector_lets_each_caller_see(
    cast: dict[str, User], callers: dict[str, Api]
) -> None:
    case_in(Status.DISPOSING, cast=cast)
    case_in(Status.REPORTED, cast=cast, source=Source.CITIZEN)
    for name in DEMO:
        listed = {c["id"] for c in callers[name].get("/cases", limit=200).json()["results"]}
        assert listed == set(
            visible_cases(cast[name]).order_by("-pk").values_list("pk", flat=True)[:200]
        )
