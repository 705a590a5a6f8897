"""The workflow table walked exhaustively: every (status, action) pair through the real actions.

Allowed pairs succeed for a role the table names and land in one of the table's targets; every
other pair raises InvalidTransition naming the status and the action, and changes nothing.
"""

from __future__ import annotations

from collections import deque

import pytest

from finegrid.cases.models import Case, Source
from finegrid.cases.replay import ReplayedState, replay
from finegrid.cases.workflow import TERMINAL, TRANSITIONS, Action, InvalidTransition, Status
from finegrid.geo.models import Area
from finegrid.org.actions import upsert_staff_user
from finegrid.org.models import Unit, User
from finegrid.org.roles import Role
from tests.cases.builders import (
    DEFAULT_DEPARTMENT,
    actor_for,
    after,
    case_in,
    perform,
    rolled_back,
    shared_spatial_index,  # noqa: F401 (geography unchanged here)
    snapshot,
)

ACTIONS = [a for a in Action if a != Action.REPORT]
ALLOWED = sorted((s, a) for (s, a) in TRANSITIONS if a != Action.REPORT)
#: Pairs with more than one target: where the builder's hotline report goes.
TARGET_OF_HOTLINE_CASE = {(Status.REPORTED, Action.ACCEPT): Status.VERIFYING}
#: Every status in which some action is allowed (all but DECLINED and CANCELLED).
STATUSES_WITH_ACTIONS = sorted({s for s, _a in ALLOWED})


def reachable(start: Status) -> set[Status]:
    seen, queue = {start}, deque([start])
    while queue:
        status = queue.popleft()
        for (source, _action), transition in TRANSITIONS.items():
            if source == status:
                for target in transition.targets - seen:
                    seen.add(target)
                    queue.append(target)
    return seen


def test_every_status_is_reachable_from_the_two_a_report_starts_in() -> None:
    # given the table alone
    # when it is walked from REPORTED and from SELF_HANDLED (an inspector's self-handled report)
    from_reported = reachable(Status.REPORTED)
    from_self_handled = reachable(Status.SELF_HANDLED)
    # then only SELF_HANDLED needs its own start, and together they reach every status
    assert set(Status) - from_reported == {Status.SELF_HANDLED}
    assert from_reported | from_self_handled == set(Status)


def test_terminal_statuses_have_no_way_out_but_reopening_a_closed_case() -> None:
    # A flag that keeps the status (an approved overdue appeal on a closed case) is not a way out.
    leaving_terminal = {
        (s, a) for (s, a), t in TRANSITIONS.items() if s in TERMINAL and t.targets != {s}
    }
    assert leaving_terminal == {(Status.CLOSED, Action.REOPEN)}
    assert TRANSITIONS[(Status.CLOSED, Action.REOPEN)].targets == {Status.DISPOSING}


def test_every_open_status_has_a_way_on_and_every_action_a_place_in_the_table() -> None:
    open_without_exit = {
        s
        for s in set(Status) - TERMINAL
        if not any(source == s and t.targets != {s} for (source, _a), t in TRANSITIONS.items())
    }
    assert open_without_exit == set()
    assert {a for (_s, a) in TRANSITIONS} == set(ACTIONS)
    assert all(t.roles for t in TRANSITIONS.values())


@pytest.mark.django_db
@pytest.mark.parametrize("status", STATUSES_WITH_ACTIONS)
def test_every_allowed_pair_succeeds_for_its_role_and_lands_in_the_table_target(
    cast: dict[str, User], status: Status
) -> None:
    # given a case in the status (each action below is tried on it, then undone)
    case = case_in(status, cast=cast)
    before = snapshot(case)
    allowed = [a for s, a in ALLOWED if s == status]
    assert allowed

    for action in allowed:
        transition = TRANSITIONS[(status, action)]
        (expected,) = (
            [TARGET_OF_HOTLINE_CASE[(status, action)]]
            if (status, action) in TARGET_OF_HOTLINE_CASE
            else transition.targets
        )
        with rolled_back():
            # when the demo user of a role the table names takes the action
            actor = actor_for(action, case, cast)
            event = perform(action, case=case, actor=actor)

            # then the case moved to the table's target by one version, with one new event
            case.refresh_from_db()
            assert case.status == expected, action
            assert case.version == before.row["version"] + 1, action
            assert (event.seq, event.action, event.actor_id) == (
                len(before.events) + 1,
                action,
                actor.pk,
            )
            assert (event.from_status, event.to_status) == (status, expected)
            assert Role(event.actor_role) in transition.roles
            after = snapshot(case)
            assert after.events[:-1] == before.events
            assert after.events[-1]["id"] == event.pk
            assert replay(case.pk) == ReplayedState.of_case(case), action
        assert snapshot(case) == before


@pytest.mark.django_db
def test_accepting_an_inspectors_own_report_skips_verification(cast: dict[str, User]) -> None:
    case = case_in(Status.REPORTED, cast=cast, source=Source.INSPECTOR)
    perform(Action.ACCEPT, case=case, actor=cast["receptionist"])
    case.refresh_from_db()
    assert (case.status, case.inspector_id) == (Status.PENDING_FILING, None)


@pytest.fixture
def duty_officer(cast: dict[str, User]) -> User:
    """Holds every role, works for the demo department and answers for the whole city.

    Refused with this user, a pair can only have been refused for the case's status.
    """
    return upsert_staff_user(
        username="duty-officer",
        full_name="全岗位值守员",
        roles=list(Role),
        unit=Unit.objects.get(name=DEFAULT_DEPARTMENT),
        areas=[Area.objects.get(code="990100")],
    )


@pytest.mark.django_db
@pytest.mark.parametrize("status", list(Status))
def test_every_pair_outside_the_table_is_refused_and_changes_nothing(
    cast: dict[str, User], duty_officer: User, status: Status
) -> None:
    # given a case in the status, and every action the table does not allow there
    case = case_in(status, cast=cast)
    before = snapshot(case)
    refused = [a for a in ACTIONS if (status, a) not in TRANSITIONS]
    version, at = before.row["version"], after(case)
    assert len(refused) == len(ACTIONS) - sum(1 for s, _a in ALLOWED if s == status)

    for action in refused:
        # when someone holding every role tries it
        with pytest.raises(InvalidTransition) as caught:
            perform(action, case=case, actor=duty_officer, version=version, at=at)

        # then it is refused for this status and this action, and nothing was written
        assert (caught.value.status, caught.value.action) == (status, action)
        assert snapshot(case) == before, action
    assert Case.objects.get(pk=case.pk).status == status
