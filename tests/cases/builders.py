"""Cases in any workflow status, built only through the real actions, for tests to start from.

`case_in(Status.CHECKING, cast=cast)` reports a fresh case in the demo city and takes it along
`PATHS` (the shortest way along the main line) to the status asked for, each step by the demo user
whose role owns it, a few simulated minutes apart. `perform(...)` calls the action function of
any `Action` with the fewest valid arguments, `actor_for(...)` names the demo user who may take an
action on a case, and `snapshot(...)` captures a case row with its events and attachments so a
refused action can be shown to have changed nothing; `rolled_back()` undoes a block, so one built
case can try several actions that succeed. A module whose tests never change the geography may
import `shared_spatial_index` to build the point index once instead of before every test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from shapely.geometry import shape

from finegrid.cases import actions
from finegrid.cases.models import (
    ACTION_LABELS,
    Case,
    CaseAttachment,
    CaseEvent,
    Satisfaction,
    Source,
)
from finegrid.cases.workflow import TRANSITIONS, Action, Status
from finegrid.catalogue.models import Category, FilingRule, Kind
from finegrid.geo.models import Grid
from finegrid.geo.selectors import clear_index_cache
from finegrid.org.models import Unit, User
from finegrid.org.roles import Role
from finegrid.worktime.calendar import TimeUnit

SHANGHAI: Final = ZoneInfo("Asia/Shanghai")
#: A Monday morning inside working hours, with the rest of 2026 (the last year the calendar
#: knows) ahead for every deadline a built case gets.
START: Final = dt.datetime(2026, 11, 16, 9, 0, tzinfo=SHANGHAI)
#: Simulated time between two steps of a built case.
STEP: Final = dt.timedelta(minutes=5)
#: A grid of 湖滨街道 (明湖区), patrolled by the demo user `inspector`.
DEFAULT_GRID: Final = "990102001001005"
#: The demo `handler` and `deptadmin` work here, so they may act on the cases sent to it.
DEFAULT_DEPARTMENT: Final = "明湖区城市管理局"

A = Action
_TO_FILED: Final = (A.ACCEPT, A.VERIFY, A.FILE)
_TO_DISPOSING: Final = (*_TO_FILED, A.DISPATCH, A.SIGN_FOR)
_TO_CHECKING: Final = (*_TO_DISPOSING, A.DISPOSE, A.SEND_CHECK)

#: For each status: the status a report starts in, then the actions that lead from it there, the
#: shortest way along the main line. Reports from the hotline are verified;
#: `case_in(..., source=Source.INSPECTOR)` skips VERIFY. PENDING_CLOSE and CLOSED go the whole way
#: although a self-handled report gets there sooner: such a case has no department to send a
#: reopened case back to.
PATHS: Final[Mapping[Status, tuple[Status, tuple[Action, ...]]]] = {
    Status.REPORTED: (Status.REPORTED, ()),
    Status.DECLINED: (Status.REPORTED, (A.DECLINE,)),
    Status.VERIFYING: (Status.REPORTED, (A.ACCEPT,)),
    Status.PENDING_FILING: (Status.REPORTED, (A.ACCEPT, A.VERIFY)),
    Status.SELF_HANDLED: (Status.SELF_HANDLED, ()),
    Status.FILED: (Status.REPORTED, _TO_FILED),
    Status.DISPATCHED: (Status.REPORTED, (*_TO_FILED, A.DISPATCH)),
    Status.DISPOSING: (Status.REPORTED, _TO_DISPOSING),
    Status.EXTENSION_REQUESTED: (Status.REPORTED, (*_TO_DISPOSING, A.REQUEST_EXTENSION)),
    Status.RETURN_REQUESTED: (Status.REPORTED, (*_TO_FILED, A.DISPATCH, A.REQUEST_RETURN)),
    Status.SUSPENSION_REQUESTED: (Status.REPORTED, (*_TO_DISPOSING, A.REQUEST_SUSPENSION)),
    Status.SUSPENDED: (
        Status.REPORTED,
        (*_TO_DISPOSING, A.REQUEST_SUSPENSION, A.APPROVE_SUSPENSION),
    ),
    Status.DISPOSED: (Status.REPORTED, (*_TO_DISPOSING, A.DISPOSE)),
    Status.CHECKING: (Status.REPORTED, _TO_CHECKING),
    Status.PENDING_CLOSE: (Status.REPORTED, (*_TO_CHECKING, A.PASS_CHECK)),
    Status.CLOSED: (Status.REPORTED, (*_TO_CHECKING, A.PASS_CHECK, A.CLOSE)),
    Status.CANCELLED: (Status.REPORTED, (A.ACCEPT, A.VERIFY, A.CANCEL)),
}

#: The demo user who takes the actions of each role; inspectors are chosen per case instead.
USER_OF_ROLE: Final[Mapping[Role, str]] = {
    Role.RECEPTIONIST: "receptionist",
    Role.SHIFT_LEADER: "shiftleader",
    Role.DISPATCHER: "dispatcher",
    Role.HANDLER: "handler",
    Role.DEPARTMENT_ADMIN: "deptadmin",
    # The leader's scope is the whole city; the demo supervisor's is 明湖区 only.
    Role.LEADER: "leader",
    Role.SUPERVISOR: "supervisor",
}
_ROLE_PREFERENCE: Final = (
    Role.RECEPTIONIST,
    Role.INSPECTOR,
    Role.SHIFT_LEADER,
    Role.DISPATCHER,
    Role.HANDLER,
    Role.DEPARTMENT_ADMIN,
    Role.LEADER,
    Role.SUPERVISOR,
)


def roles_of_action(action: Action) -> frozenset[Role]:
    """The roles the table lets take `action` (the same in every status where it is allowed)."""
    return frozenset().union(*(t.roles for (_s, a), t in TRANSITIONS.items() if a == action))


def grid_point(code: str = DEFAULT_GRID) -> tuple[float, float]:
    """A point (WGS-84 lon, lat) inside the grid with this code."""
    point = shape(Grid.objects.get(code=code).boundary).representative_point()
    return point.x, point.y


def exposed_rubbish() -> tuple[Category, FilingRule]:
    """暴露垃圾 and its first filing rule: 2 working hours (1 urgent hour for urgency A)."""
    category = Category.objects.get(kind=Kind.MATTER, name="暴露垃圾")
    rule = category.filing_rules.order_by("order").first()
    assert rule is not None
    return category, rule


def last_event_at(case: Case) -> dt.datetime:
    latest = CaseEvent.objects.filter(case_id=case.pk).order_by("-seq").values_list("at").first()
    assert latest is not None, f"case {case.pk} has no events"
    return latest[0]


def after(case: Case, step: dt.timedelta = STEP) -> dt.datetime:
    """A moment `step` after the case's last event: acting then keeps simulated time moving on."""
    return last_event_at(case) + step


def grid_inspector(case: Case) -> User:
    """The inspector of the case's grid (the one accept and send_check choose by default)."""
    inspector = User.objects.filter(grids=case.grid_id, is_active=True).order_by("pk").first()
    assert inspector is not None, f"grid of case {case.case_no} has no inspector"
    return inspector


def actor_for(action: Action, case: Case, cast: Mapping[str, User]) -> User:
    """A demo user whose role the table allows for `action` and whose scope covers `case`.

    Inspectors act on their own task (the case's assigned inspector, else its grid's);
    department actions are taken by `handler`, who works for DEFAULT_DEPARTMENT.
    """
    allowed = roles_of_action(action)
    role = next(r for r in _ROLE_PREFERENCE if r in allowed)
    if role == Role.INSPECTOR:
        if case.inspector_id is not None:
            return User.objects.get(pk=case.inspector_id)
        return grid_inspector(case)
    return cast[USER_OF_ROLE[role]]


def _default_arguments(action: Action) -> tuple[Callable[..., CaseEvent], dict[str, Any]]:
    """The action function of `action` and the fewest arguments besides case, version, actor, at."""
    note = f"测试：{ACTION_LABELS[action]}"
    match action:
        case Action.ACCEPT:
            return actions.accept_case, {}
        case Action.DECLINE:
            return actions.decline_case, {"note": note}
        case Action.VERIFY:
            return actions.verify_case, {"confirmed": True}
        case Action.FILE:
            category, rule = exposed_rubbish()
            return actions.file_case, {"category": category, "filing_rule": rule}
        case Action.CANCEL:
            return actions.cancel_case, {"note": note}
        case Action.REVIEW_SELF_HANDLED:
            return actions.review_self_handled, {"approved": True}
        case Action.REJECT_SELF_HANDLED:
            return actions.review_self_handled, {"approved": False, "note": note}
        case Action.DISPATCH:
            return actions.dispatch_case, {"department": Unit.objects.get(name=DEFAULT_DEPARTMENT)}
        case Action.SIGN_FOR:
            return actions.sign_for_case, {}
        case Action.DISPOSE:
            return actions.dispose_case, {"note": note}
        case Action.REQUEST_EXTENSION:
            return actions.request_extension, {
                "amount": Decimal(1),
                "unit": TimeUnit.WORKING_DAYS,
                "note": note,
            }
        case Action.APPROVE_EXTENSION:
            return actions.approve_extension, {}
        case Action.REJECT_EXTENSION:
            return actions.reject_extension, {"note": note}
        case Action.REQUEST_RETURN:
            return actions.request_return, {"note": note}
        case Action.APPROVE_RETURN:
            return actions.approve_return, {}
        case Action.REJECT_RETURN:
            return actions.reject_return, {"note": note}
        case Action.REQUEST_SUSPENSION:
            return actions.request_suspension, {"note": note}
        case Action.APPROVE_SUSPENSION:
            return actions.approve_suspension, {}
        case Action.REJECT_SUSPENSION:
            return actions.reject_suspension, {"note": note}
        case Action.RESUME:
            return actions.resume_case, {}
        case Action.SEND_CHECK:
            return actions.send_check, {}
        case Action.PASS_CHECK:
            return actions.check_case, {"passed": True}
        case Action.REWORK:
            return actions.check_case, {"passed": False, "note": note}
        case Action.CLOSE:
            return actions.close_case, {}
        case Action.SUPERVISE:
            return actions.supervise_case, {"note": note}
        case Action.APPROVE_OVERDUE_APPEAL:
            return actions.approve_overdue_appeal, {"note": note}
        case Action.REOPEN:
            return actions.reopen_case, {"note": note}
        case Action.RATE:
            return actions.rate_case, {"satisfaction": Satisfaction.SATISFIED}
        case Action.REPORT:
            raise ValueError("a report creates a case: call actions.report_case")


def perform(
    action: Action,
    *,
    case: Case,
    actor: User,
    at: dt.datetime | None = None,
    version: int | None = None,
    **arguments: Any,
) -> CaseEvent:
    """Take `action` on `case` through its action function with the fewest valid arguments.

    `version` defaults to the case's current one (read afresh), `at` to `after(case)`;
    `arguments` add to or replace the defaults (e.g. `note=""`, `department=...`).
    """
    function, defaults = _default_arguments(action)
    return function(
        case_id=case.pk,
        version=Case.objects.values_list("version", flat=True).get(pk=case.pk)
        if version is None
        else version,
        actor=actor,
        at=after(case) if at is None else at,
        **{**defaults, **arguments},
    )


def report(
    *,
    cast: Mapping[str, User],
    source: Source = Source.HOTLINE,
    grid: str = DEFAULT_GRID,
    self_handled: bool = False,
    reporter: User | None = None,
    at: dt.datetime = START,
    public: bool = False,
) -> Case:
    """A new report in `grid` by `reporter`: by default the grid's inspector for an inspector's
    own (or self-handled) report, else the receptionist; `public`: by a citizen through a public
    channel (no staff actor; the case gets a tracking code)."""
    lon, lat = grid_point(grid)
    by_inspector = self_handled or source == Source.INSPECTOR
    if reporter is None:
        reporter = (
            User.objects.filter(grids__code=grid).order_by("pk").first()
            if by_inspector
            else cast["receptionist"]
        )
    assert reporter is not None, f"grid {grid} has no inspector"
    return actions.report_case(
        actor=None if public else reporter,
        source=Source.INSPECTOR if by_inspector else source,
        lon=lon,
        lat=lat,
        address=f"网格{grid}内的路口",
        description="路口有暴露垃圾" if not self_handled else "路口有暴露垃圾，已现场清理",
        self_handled=self_handled,
        at=at,
    )


def case_in(
    status: Status,
    *,
    cast: Mapping[str, User],
    source: Source = Source.HOTLINE,
    grid: str = DEFAULT_GRID,
    department: Unit | None = None,
    handler: User | None = None,
    reporter: User | None = None,
    start: dt.datetime = START,
    public: bool = False,
) -> Case:
    """A fresh case in `status`, taken there by the real actions along `PATHS[status]`.

    Each step is taken by `actor_for` its action, `STEP` after the one before, starting at
    `start`. `reporter` replaces the default reporter (see `report`). `department` replaces
    DEFAULT_DEPARTMENT at dispatch; then pass a `handler` of it for the statuses after dispatch.
    Returns the case as stored after the last step.
    """
    first, path = PATHS[status]
    if source == Source.INSPECTOR:
        if status == Status.VERIFYING:
            raise ValueError("an inspector's own report is never verified")
        path = tuple(a for a in path if a != Action.VERIFY)
    case = report(
        cast=cast,
        source=source,
        grid=grid,
        self_handled=first == Status.SELF_HANDLED,
        reporter=reporter,
        at=start,
        public=public,
    )
    for action in path:
        actor = actor_for(action, case, cast)
        extra: dict[str, Any] = {}
        if action == Action.DISPATCH and department is not None:
            extra["department"] = department
        if handler is not None and roles_of_action(action) & {Role.HANDLER}:
            actor = handler
        perform(action, case=case, actor=actor, **extra)
        case.refresh_from_db()
    assert case.status == status, (case.status, status)
    return case


@dataclass(frozen=True)
class Snapshot:
    """A case row, its events and its attachments, as plain values."""

    row: Mapping[str, Any]
    events: Sequence[Mapping[str, Any]]
    attachments: Sequence[Mapping[str, Any]]


def snapshot(case: Case) -> Snapshot:
    return Snapshot(
        row=Case.objects.filter(pk=case.pk).values().get(),
        events=list(CaseEvent.objects.filter(case_id=case.pk).order_by("seq").values()),
        attachments=list(CaseAttachment.objects.filter(case_id=case.pk).order_by("pk").values()),
    )


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run the block in a savepoint and roll it back, whether it succeeds or fails."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


_index_shared_by: list[str] = []


@pytest.fixture(name="_fresh_spatial_index")
def shared_spatial_index(request: pytest.FixtureRequest) -> None:
    """Overrides the suite's rebuild of the point index before every test, in a module that
    imports it: the index is dropped once, before the module's first test, then shared.

    Only for modules whose tests never change areas or grids. Rebuilding the index of the demo
    city's 3,000 grids takes 0.2-0.4 s, most of what a test of a case costs.
    """
    if _index_shared_by != [request.module.__name__]:
        clear_index_cache()
        _index_shared_by[:] = [request.module.__name__]
