"""Random walks through the workflow by random roles never break the case's invariants.

Each example builds a case in a random status and takes random (action, user) steps through the
real actions, simulated time moving on by a random amount before each. Whatever is refused changes nothing;
after every step the status is valid, every event follows the table, time never runs backwards,
the hash chains verify, and replaying the events gives back the row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from finegrid.cases.events import verify_chain
from finegrid.cases.models import Case, CaseEvent, Source
from finegrid.cases.replay import ReplayedState, replay_events
from finegrid.cases.workflow import TRANSITIONS, Action, Status, WorkflowError
from finegrid.org.actions import upsert_staff_user
from finegrid.org.models import Unit, User
from finegrid.org.roles import Role, roles_of
from finegrid.worktime import selectors as worktime
from finegrid.worktime.calendar import TimeUnit, elapsed
from tests.cases.builders import (
    SHANGHAI,
    case_in,
    last_event_at,
    perform,
    rolled_back,
    shared_spatial_index,  # noqa: F401 (geography unchanged here)
    snapshot,
)

pytestmark = pytest.mark.django_db

#: A Monday in March: the longest walk (12 steps of at most 3 days) still ends inside 2026.
FIRST_DAY = dt.datetime(2026, 3, 2, 8, 30, tzinfo=SHANGHAI)
ACTIONS = [a for a in Action if a != Action.REPORT]
HOURS = TimeUnit.WORKING_HOURS
#: A handler of the second department a case may be sent to (made for each example).
STATION_HANDLER = "station-handler"
#: One user per role, an inspector of another street (who sees none of these cases), and a
#: handler of the sanitation station.
USERS = [
    "inspector",
    "inspector02",
    "receptionist",
    "shiftleader",
    "dispatcher",
    "handler",
    "deptadmin",
    "supervisor",
    "leader",
    "admin",
    STATION_HANDLER,
]
ENDINGS = frozenset({Action.DECLINE, Action.CANCEL})
#: Where a case may be sent: the demo handler's bureau, or the sanitation station.
DEPARTMENTS = ["明湖区城市管理局", "明湖区环境卫生管理所"]


def arguments_for(action: Action, data: st.DataObject) -> dict[str, Any]:
    """Random but valid choices where an action offers any."""
    match action:
        case Action.DISPATCH:
            name = data.draw(st.sampled_from(DEPARTMENTS), label="department")
            return {"department": Unit.objects.get(name=name)}
        case Action.REQUEST_EXTENSION:
            return {
                "amount": data.draw(st.integers(1, 3), label="extension"),
                "unit": data.draw(
                    st.sampled_from([TimeUnit.WORKING_HOURS, TimeUnit.WORKING_DAYS]), label="unit"
                ),
            }
        case Action.VERIFY:
            return {"confirmed": data.draw(st.booleans(), label="confirmed"), "note": "现场核实"}
        case _:
            return {}


def check_invariants(case: Case) -> None:
    case.refresh_from_db()
    events = list(CaseEvent.objects.filter(case=case).order_by("seq"))
    # the status is one of the workflow's
    assert Status(case.status) in set(Status)
    # every event follows the table (a report starts the case), one version per event
    first, *rest = events
    assert (first.action, first.from_status) == (Action.REPORT, "")
    assert first.to_status in {Status.REPORTED, Status.SELF_HANDLED}
    for event in rest:
        transition = TRANSITIONS[(Status(event.from_status), Action(event.action))]
        assert Status(event.to_status) in transition.targets
    assert [e.to_status for e in events][-1] == case.status
    assert case.version == len(events)
    # time never runs backwards, in wall-clock or in working time (the earlier pairs were
    # measured after the steps before)
    assert all(earlier.at <= later.at for earlier, later in zip(events, rest, strict=False))
    calendar = worktime.get_calendar()
    if rest:
        assert elapsed(events[-2].at, events[-1].at, HOURS, calendar=calendar) >= 0
    assert elapsed(case.step_started_at, events[-1].at, HOURS, calendar=calendar) >= 0
    # the record is whole, and it alone gives back the row
    assert verify_chain() == []
    assert replay_events(events) == ReplayedState.of_case(case)


@settings(
    max_examples=30,
    deadline=None,
    # Explaining a failure replays it hundreds of times against the database: minutes, not seconds.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_steps_by_random_roles_keep_every_invariant(
    cast: dict[str, User], data: st.DataObject
) -> None:
    # Each example starts from the seeded city alone.
    with rolled_back():
        users = {name: cast[name] for name in USERS if name in cast}
        users[STATION_HANDLER] = upsert_staff_user(
            username=STATION_HANDLER,
            full_name="环卫所处置员",
            roles=[Role.HANDLER],
            unit=Unit.objects.get(name=DEPARTMENTS[1]),
        )
        held = {name: roles_of(user) for name, user in users.items()}
        # given a case taken by the builder to a random status, so walks start deep as often as
        # they start at the report
        start = data.draw(st.sampled_from(list(Status)), label="start")
        sources = (
            [Source.HOTLINE] if start == Status.VERIFYING else [Source.HOTLINE, Source.INSPECTOR]
        )
        source = data.draw(st.sampled_from(sources), label="source")
        case = case_in(start, cast=cast, source=source, start=FIRST_DAY)
        check_invariants(case)
        at = last_event_at(case)

        for _step in range(data.draw(st.integers(1, 12), label="steps")):
            # given, three times in four, an action the status allows by a user of a role that
            # may take it (declining and cancelling, which end a walk, left out); else any action
            # by anyone, refused more often than not; some random time after the last step
            status = Status(case.status)
            allowed = sorted(a for (s, a) in TRANSITIONS if s == status and a not in ENDINGS)
            if not allowed or data.draw(st.integers(0, 3), label="wander") == 0:
                action = data.draw(st.sampled_from(ACTIONS), label="action")
                name = data.draw(st.sampled_from(USERS), label="user")
            else:
                action = data.draw(st.sampled_from(allowed), label="action")
                roles = TRANSITIONS[(status, action)].roles
                able = [n for n in USERS if held[n] & roles]
                name = data.draw(st.sampled_from(able), label="user")
            at += dt.timedelta(minutes=data.draw(st.integers(0, 3 * 24 * 60), label="minutes"))
            before = snapshot(case)

            # when they try it
            try:
                event = perform(
                    action,
                    case=case,
                    actor=users[name],
                    at=at,
                    **({"note": f"随机步骤：{action}"} | arguments_for(action, data)),
                )
            except WorkflowError:
                # then a refusal changes nothing
                assert snapshot(case) == before
            else:
                # then a success is one event of that action, leaving the status the table says
                assert (event.action, event.from_status) == (action, status)
                assert Status(event.to_status) in TRANSITIONS[(status, action)].targets

            # and every invariant holds
            check_invariants(case)
        # How far the walks get shows in `pytest --hypothesis-show-statistics`.
        hypothesis.event(f"ended {case.status}")
