"""The megacity generator (benchmarks/megacity.py) writes what the actions would have written.

A small city and 300 cases in the test database, with real hashes: every case's events replay to
its row and chain into an audit trail that verifies, each step is one the workflow allows, the
deadlines are the working calendar's, and the final statuses follow the mixture asked for.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter, defaultdict
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet

from benchmarks import megacity
from finegrid.cases.events import verify_chain
from finegrid.cases.models import Case, CaseEvent, CitizenContact, DailyCounter, StepLimit
from finegrid.cases.replay import verify_rows
from finegrid.cases.tracking import is_well_formed
from finegrid.cases.workflow import (
    CITIZEN_ROLE,
    DISPOSAL_STATUSES,
    STEP_OF_STATUS,
    TERMINAL,
    TRANSITIONS,
    Action,
    Status,
)
from finegrid.dispatch.routing import propose_department
from finegrid.geo.models import Area, AreaLevel, Grid
from finegrid.geo.selectors import locate_points
from finegrid.org.models import Unit, UnitKind, User
from finegrid.org.roles import GROUP_NAMES
from finegrid.worktime import selectors as worktime
from finegrid.worktime.calendar import TimeUnit

pytestmark = pytest.mark.django_db

CASES = 300
SIZES = megacity.Sizes(
    districts=2, streets=4, communities_per_street=2, grids=24, departments=12, staff=40
)
PREFIX = megacity.CITY_CODE[:4]
DEADLINES = frozenset({"step_deadline", "disposal_deadline"})
#: What each action puts in an event's data besides the deadlines (finegrid/cases/actions.py).
DATA_KEYS: dict[str, set[frozenset[str]]] = {
    "report": {frozenset({"source", "grid", "area", "category", "urgency"})},
    "accept": {frozenset(), frozenset({"inspector"})},
    "decline": {frozenset()},
    "verify": {frozenset({"confirmed"})},
    "file": {frozenset({"category", "filing_rule", "urgency"})},
    "cancel": {frozenset()},
    "review_self_handled": {frozenset()},
    "reject_self_handled": {frozenset()},
    "dispatch": {frozenset({"department", "proposed", "proposal_reason", "overridden", "limit"})},
    "sign_for": {frozenset()},
    "request_return": {frozenset()},
    "approve_return": {frozenset({"returned_by"})},
    "reject_return": {frozenset()},
    "request_extension": {frozenset({"amount", "unit"})},
    "approve_extension": {frozenset({"amount", "unit", "previous_deadline"})},
    "reject_extension": {frozenset()},
    "request_suspension": {frozenset({"resume_on"})},
    "approve_suspension": {frozenset({"remaining", "unit"})},
    "reject_suspension": {frozenset()},
    "resume": {frozenset()},
    "dispose": {frozenset({"on_time"})},
    "send_check": {frozenset({"inspector"})},
    "pass_check": {frozenset()},
    "rework": {frozenset()},
    "close": {frozenset({"disposed_on_time"})},
    "supervise": {frozenset()},
    "approve_overdue_appeal": {frozenset()},
    "reopen": {frozenset()},
    "rate": {frozenset({"satisfaction"})},
}


@pytest.fixture
def month() -> dict[str, Any]:
    return megacity.generate(
        cases=CASES,
        seed=7,
        progress=lambda _line: None,
        workers=0,
        real_hashes=True,
        **vars(SIZES),
    )


def megacity_cases() -> QuerySet[Case]:
    return Case.objects.filter(area_code__startswith=PREFIX)


def events_by_case() -> dict[int, list[CaseEvent]]:
    grouped: dict[int, list[CaseEvent]] = defaultdict(list)
    for event in CaseEvent.objects.filter(case__in=megacity_cases()).order_by("case_id", "seq"):
        grouped[event.case_id].append(event)
    return grouped


def moment(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def test_the_city_has_the_sizes_asked_for(month: dict[str, Any]) -> None:
    levels = Counter(Area.objects.filter(code__startswith=PREFIX).values_list("level", flat=True))
    assert levels == {
        AreaLevel.CITY: 1,
        AreaLevel.DISTRICT: 2,
        AreaLevel.STREET: 4,
        AreaLevel.COMMUNITY: 8,
    }
    grids = list(Grid.objects.filter(code__startswith=PREFIX).select_related("community"))
    assert len(grids) == 24
    for grid in grids:
        assert len(grid.code) == 15
        assert grid.code.startswith(grid.community.code)
        assert grid.code[-3:] in {"001", "002", "003"}
        ring = grid.boundary["coordinates"][0]
        assert (grid.min_lon, grid.min_lat) == (min(x for x, _y in ring), min(y for _x, y in ring))
        assert (grid.max_lon, grid.max_lat) == (max(x for x, _y in ring), max(y for _x, y in ring))
        assert 9_000 < grid.area_m2 < 11_000
        assert grid.inspectors.count() == 1
    units = Unit.objects.filter(area__code__startswith=PREFIX)
    assert Counter(units.values_list("kind", flat=True)) == {
        UnitKind.DEPARTMENT: 12,
        UnitKind.SUPERVISION_CENTRE: 1,
        UnitKind.COMMAND_CENTRE: 1,
    }
    assert not units.filter(kind=UnitKind.DEPARTMENT, department_type__isnull=True).exists()
    staff = User.objects.filter(username__startswith="mc-")
    plan = megacity.staff_plan(SIZES)
    assert staff.count() == sum(plan.values()) == 40
    groups = Counter(staff.values_list("groups__name", flat=True))
    assert groups == {GROUP_NAMES[role]: n for role, n in plan.items()}  # type: ignore[index]
    assert month["staff_plan"] == plan


def test_every_case_replays_to_its_row_and_the_audit_chain_verifies(month: dict[str, Any]) -> None:
    assert megacity_cases().count() == month["cases"] == CASES
    assert CaseEvent.objects.filter(case__in=megacity_cases()).count() == month["events"]
    assert list(verify_rows()) == []
    assert verify_chain() == []


def test_every_step_is_one_the_workflow_allows_in_order(month: dict[str, Any]) -> None:
    group_of = dict(
        User.objects.filter(username__startswith="mc-").values_list("pk", "groups__name")
    )
    role_of = {name: role.value for role, name in GROUP_NAMES.items()}
    cases = {case.pk: case for case in megacity_cases()}
    for case_id, events in events_by_case().items():
        case = cases[case_id]
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert events[0].action == Action.REPORT
        assert events[0].from_status == ""
        assert case.version == len(events)
        for before, event in pairwise(events):
            assert event.from_status == before.to_status
            assert event.at > before.at
            transition = TRANSITIONS[(Status(event.from_status), Action(event.action))]
            assert Status(event.to_status) in transition.targets
            if event.actor_id is None:
                assert event.actor_role == CITIZEN_ROLE
                assert event.action in ("rate", "reopen")
            else:
                assert event.actor_role in transition.roles
                assert role_of[group_of[event.actor_id]] == event.actor_role
        assert case.status == events[-1].to_status
        assert (case.closed_at is not None) == (case.status in TERMINAL)
        for event in events:
            assert set(event.data) >= DEADLINES, event.action
            assert frozenset(event.data) - DEADLINES in DATA_KEYS[event.action], event.action


def test_deadlines_are_the_working_calendars(month: dict[str, Any]) -> None:
    limits = {
        step: (amount, TimeUnit(unit))
        for step, amount, unit in StepLimit.objects.values_list("step", "amount", "unit")
    }
    cases = {case.pk: case for case in megacity_cases().select_related("filing_rule")}
    checked: Counter[str] = Counter()
    for case_id, events in events_by_case().items():
        case = cases[case_id]
        for event in events:
            status = Status(event.to_status)
            step = STEP_OF_STATUS[status]
            if event.from_status == event.to_status:
                continue  # supervising, appeals and ratings leave the step's clock alone
            if step is None:
                assert event.data["step_deadline"] is None
            elif status in DISPOSAL_STATUSES:
                assert event.data["step_deadline"] == event.data["disposal_deadline"]
            else:
                amount, unit = limits[step]
                expected = worktime.deadline(event.at, amount, unit)
                assert moment(event.data["step_deadline"]) == expected, event.action
                checked["step"] += 1
            if event.action in ("dispatch", "rework", "reopen"):
                assert case.filing_rule is not None
                amount, unit = case.filing_rule.limit_for(case.urgency)
                expected = worktime.deadline(event.at, amount, unit)
                assert moment(event.data["disposal_deadline"]) == expected
                checked["disposal"] += 1
            if event.action == "approve_extension":
                previous = moment(event.data["previous_deadline"])
                assert previous is not None
                amount, unit = Decimal(event.data["amount"]), event.data["unit"]
                expected = worktime.deadline(max(previous, event.at), amount, unit)
                assert moment(event.data["disposal_deadline"]) == expected
    assert checked["step"] > 1000
    assert checked["disposal"] > 100


def test_the_rows_say_what_the_actions_say(month: dict[str, Any]) -> None:
    """Dispatch proposals, disposal outcomes, places and case numbers as the real code has them."""
    cases = list(megacity_cases().select_related("category", "grid", "community", "street"))
    events = events_by_case()
    for case in random.Random(1).sample(cases, 40):
        for dispatch in (e for e in events[case.pk] if e.action == "dispatch"):
            proposal = propose_department(case)
            proposed = proposal.department.pk if proposal.department else None
            assert dispatch.data["proposed"] == proposed
            assert dispatch.data["proposal_reason"] == proposal.reason
            overridden = proposed is not None and proposed != dispatch.data["department"]
            assert dispatch.data["overridden"] == overridden
    for case in cases:
        history = events[case.pk]
        disposals = [e for e in history if e.action == "dispose"]
        for dispose in disposals:
            deadline = moment(dispose.data["disposal_deadline"])
            assert deadline is not None
            assert dispose.data["on_time"] == (dispose.at <= deadline)
        for close in (e for e in history if e.action == "close"):
            before = [d for d in disposals if d.seq < close.seq]
            deadline = moment(close.data["disposal_deadline"])
            on_time = deadline is None or before[-1].at <= deadline
            assert close.data["disposed_on_time"] == on_time
        assert (case.tracking_code is not None) == (case.reporter_id is None)
        assert case.tracking_code is None or is_well_formed(case.tracking_code)
        assert (case.citizen_id is not None) == (case.source in ("hotline", "citizen"))
        grid, community, street = case.grid, case.community, case.street
        assert grid is not None
        assert community is not None
        assert street is not None
        report = history[0]
        assert (report.note, report.at) == (case.description, case.reported_at)
        assert (report.data["grid"], report.data["area"]) == (grid.code, case.area_code)
        assert case.area_code == community.code
        assert grid.community_id == case.community_id
        assert case.street_id == community.parent_id
        assert case.district_id == street.parent_id
    located = locate_points(lons=[c.lon for c in cases], lats=[c.lat for c in cases])
    assert [place.grid.pk if place and place.grid else None for place in located] == [
        case.grid_id for case in cases
    ]
    per_day = Counter(case.case_no[:8] for case in cases)
    counters = {f"{day:%Y%m%d}": n for day, n in DailyCounter.objects.values_list("day", "value")}
    assert counters == per_day
    assert CitizenContact.objects.filter(case__in=megacity_cases()).count() == month["contacts"]


def test_the_json_is_what_djangos_jsonfield_writes(month: dict[str, Any]) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL keeps jsonb in a form of its own")
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM cases_caseevent")
        texts = [row[0] for row in cursor.fetchall()]
    assert len(texts) == month["events"]
    assert all(text == json.dumps(json.loads(text)) for text in texts)


def test_the_final_statuses_follow_the_mixture(month: dict[str, Any]) -> None:
    statuses = Counter(megacity_cases().values_list("status", flat=True))
    assert statuses == month["by_status"]
    share = {status: n / CASES for status, n in statuses.items()}
    assert 0.70 <= share["closed"] <= 0.92
    assert 0.05 <= share.get("declined", 0) + share.get("cancelled", 0) <= 0.18
    still_open = 1 - share["closed"] - share.get("declined", 0) - share.get("cancelled", 0)
    assert 0.005 <= still_open <= 0.15
    sources = Counter(megacity_cases().values_list("source", flat=True))
    assert sources.most_common(1)[0][0] == "inspector"
    assert {"hotline", "citizen", "sensor"} <= set(sources)


def test_workclock_is_worktime_to_the_microsecond() -> None:
    clock = megacity.WorkClock(worktime.get_calendar(), dt.date(2026, 9, 25))
    start = megacity.to_us(dt.datetime(2026, 9, 28, tzinfo=dt.UTC))
    end = megacity.to_us(dt.datetime(2026, 11, 5, tzinfo=dt.UTC))
    limits = [(Decimal(a), u.value) for a in ("0.5", "2", "1.3333", "5") for u in TimeUnit]
    assert megacity.check_clock(clock, limits, start, end, samples=600, seed=3) == 600
    moment_ = dt.datetime(2026, 10, 8, 1, 30, 0, 880000, tzinfo=dt.UTC)
    assert megacity.iso(megacity.to_us(moment_)) == moment_.isoformat()
