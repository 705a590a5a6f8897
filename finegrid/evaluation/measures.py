"""The measures: what each case counts for in a period, decided from its events alone.

A measure is a yes/no question about one case and one period ("was it due to close in October?",
"was it filed on time in October?"), answered by folding the case's events that happened before
the period's end. Indicators (`finegrid.evaluation.models.Indicator`) are formulas over the counts
of measures; schemes weight indicators. Plain Python, no ORM: `tests/evaluation/test_measures.py`
walks the rules on hand-made event lists.

The rules, in the platform's words (docs/evaluation.md has the same list for readers):

- A step is **on time** when the event that ends it is at or before the step deadline that the
  event starting it wrote (every event records the deadline of the step it starts).
- **Reported / accepted / verified / filed / dispatched / check sent / checked / disposed / rated /
  cancelled / returned in the period**: that event happened in the period. When a case was
  dispatched more than once in the period, the first dispatch counts for the dispatcher.
- **Valid report**: reported in the period and filed before the period's end.
  **Public report verified** (监督举报核实): the same, for a case that came from anyone but an
  inspector. **Area filed**: filed in the period and not suspended at the period's end.
- **Due to close** (应结案): the disposal deadline in force at the period's end (after extensions,
  reworks and re-dispatches) falls in the period; or it fell before the period and the case was
  still open when the period began. Cases suspended or cancelled at the period's end are not due.
- **Disposed on time**: due, and the last disposal is at or before that deadline, or an overdue
  appeal was approved. **Overdue**: due and not disposed on time. **Closed**: due and closed
  before the period's end; **closed on time**: closed and disposed on time.
- **Reworked / extended**: due, and reworked / extended at any time before the period's end.
- **Dispatch returned / reworked** (for accurate dispatch): dispatched in the period and later
  returned / reworked before the period's end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Final, NamedTuple

from finegrid.cases.workflow import TRANSITIONS, Action, Status


class Measure(IntEnum):
    """Each measure's value is its bit in a case fact's `flags`; never renumber a stored bit."""

    REPORTED = 0
    VALID_REPORTED = 1
    PUBLIC_VERIFIED = 2
    ACCEPTED = 3
    ACCEPTED_ON_TIME = 4
    VERIFIED = 5
    VERIFIED_ON_TIME = 6
    FILED = 7
    FILED_ON_TIME = 8
    FILED_CANCELLED = 9
    AREA_FILED = 10
    DISPATCHED = 11
    DISPATCHED_ON_TIME = 12
    DISPATCH_RETURNED = 13
    DISPATCH_REWORKED = 14
    RETURNED = 15
    DISPOSED = 16
    DUE = 17
    CLOSED = 18
    CLOSED_ON_TIME = 19
    DISPOSED_ON_TIME = 20
    OVERDUE = 21
    REWORKED = 22
    EXTENDED = 23
    SUSPENDED = 24
    CHECK_SENT = 25
    CHECK_SENT_ON_TIME = 26
    CHECKED = 27
    CHECKED_ON_TIME = 28
    RATED = 29
    SATISFIED = 30
    BASIC_SATISFIED = 31
    CANCELLED = 32

    @property
    def bit(self) -> int:
        return 1 << self.value

    @property
    def code(self) -> str:
        return self.name.lower()


MEASURES_BY_CODE: Final = {m.code: m for m in Measure}

#: Measures that carry a duration (working hours) besides their count, for averages.
TIMED: Final = {Measure.ACCEPTED: "accept_hours", Measure.DISPOSED: "dispose_hours"}


class Column(IntEnum):
    """Who a case fact names: the columns of `CaseFact`, in the order the fold returns them."""

    GRID = 0
    COMMUNITY = 1
    STREET = 2
    DISTRICT = 3
    DEPARTMENT = 4  # the department it was last dispatched to before the period's end
    RETURNED_FROM = 5  # the department that returned it in the period
    REPORTER = 6  # the inspector who reported it (inspector reports only)
    RECEPTIONIST = 7  # who accepted it
    VERIFIER = 8  # who verified it
    FILER = 9  # the shift leader who filed it (answers for its closing too)
    DISPATCHER = 10  # who dispatched it first in the period
    CHECK_SENDER = 11  # the receptionist who sent the check
    CHECKER = 12  # the inspector who checked it

    @property
    def field(self) -> str:
        return f"{self.name.lower()}_id"


_CASE_MEASURES: Final = frozenset(
    {
        Measure.REPORTED,
        Measure.VALID_REPORTED,
        Measure.PUBLIC_VERIFIED,
        Measure.FILED,
        Measure.AREA_FILED,
        Measure.DISPATCHED,
        Measure.DISPOSED,
        Measure.DUE,
        Measure.CLOSED,
        Measure.CLOSED_ON_TIME,
        Measure.DISPOSED_ON_TIME,
        Measure.OVERDUE,
        Measure.REWORKED,
        Measure.EXTENDED,
        Measure.SUSPENDED,
        Measure.RATED,
        Measure.SATISFIED,
        Measure.BASIC_SATISFIED,
        Measure.CANCELLED,
    }
)
_DEPARTMENT_MEASURES: Final = _CASE_MEASURES - {
    Measure.REPORTED,
    Measure.VALID_REPORTED,
    Measure.PUBLIC_VERIFIED,
    Measure.FILED,
    Measure.AREA_FILED,
    Measure.CANCELLED,
}

#: Which column a measure is counted under: a figure of subject S for measure M counts the facts
#: whose column ATTRIBUTION[M] ∋ c has S's id in c and M's bit set. Pages list the same facts.
ATTRIBUTION: Final[Mapping[Column, frozenset[Measure]]] = {
    Column.GRID: _CASE_MEASURES,
    Column.COMMUNITY: _CASE_MEASURES,
    Column.STREET: _CASE_MEASURES,
    Column.DISTRICT: _CASE_MEASURES,
    Column.DEPARTMENT: _DEPARTMENT_MEASURES,
    Column.RETURNED_FROM: frozenset({Measure.RETURNED}),
    Column.REPORTER: frozenset({Measure.REPORTED, Measure.VALID_REPORTED}),
    Column.RECEPTIONIST: frozenset({Measure.ACCEPTED, Measure.ACCEPTED_ON_TIME}),
    Column.VERIFIER: frozenset({Measure.VERIFIED, Measure.VERIFIED_ON_TIME}),
    Column.FILER: frozenset(
        {
            Measure.FILED,
            Measure.FILED_ON_TIME,
            Measure.FILED_CANCELLED,
            Measure.DUE,
            Measure.CLOSED_ON_TIME,
        }
    ),
    Column.DISPATCHER: frozenset(
        {
            Measure.DISPATCHED,
            Measure.DISPATCHED_ON_TIME,
            Measure.DISPATCH_RETURNED,
            Measure.DISPATCH_REWORKED,
        }
    ),
    Column.CHECK_SENDER: frozenset({Measure.CHECK_SENT, Measure.CHECK_SENT_ON_TIME}),
    Column.CHECKER: frozenset({Measure.CHECKED, Measure.CHECKED_ON_TIME}),
}


def statuses_entered_by(targets: Iterable[Status]) -> frozenset[Action]:
    """The actions that can move a case into one of `targets` (from the workflow table)."""
    wanted = frozenset(targets)
    found = {
        action for (status, action), t in TRANSITIONS.items() if (t.targets - {status}) & wanted
    }
    return frozenset(found | ({Action.REPORT} if Status.REPORTED in wanted else set()))


_COUNTED_ACTIONS: Final = frozenset(
    {
        Action.REPORT,
        Action.ACCEPT,
        Action.VERIFY,
        Action.FILE,
        Action.CANCEL,
        Action.DISPATCH,
        Action.DISPOSE,
        Action.APPROVE_EXTENSION,
        Action.APPROVE_RETURN,
        Action.APPROVE_SUSPENSION,
        Action.RESUME,
        Action.SEND_CHECK,
        Action.PASS_CHECK,
        Action.REWORK,
        Action.CLOSE,
        Action.REOPEN,
        Action.APPROVE_OVERDUE_APPEAL,
        Action.RATE,
    }
)
#: The events the fold reads: those it counts, and those that start a timed step (their deadline).
READ_ACTIONS: Final = _COUNTED_ACTIONS | statuses_entered_by(
    {
        Status.REPORTED,
        Status.VERIFYING,
        Status.PENDING_FILING,
        Status.FILED,
        Status.DISPOSED,
        Status.CHECKING,
        Status.PENDING_CLOSE,
    }
)


class Event(NamedTuple):
    """One event as the fold reads it; instants are Unix times (seconds, UTC)."""

    action: str
    to_status: str
    actor_id: int | None
    at: float
    step_deadline: float | None  # of the step this event starts
    disposal_deadline: float | None  # in force after this event
    department_id: int | None  # dispatch: where to
    returned_by: int | None  # approve_return: which department gave it back
    satisfaction: str  # rate: satisfied / basic / dissatisfied


class CaseInfo(NamedTuple):
    case_id: int
    source: str
    reporter_id: int | None
    grid_id: int | None
    community_id: int | None
    street_id: int | None
    district_id: int | None


@dataclass(frozen=True, slots=True)
class Fact:
    case_id: int
    flags: int
    columns: tuple[int | None, ...]  # indexed by Column
    accept_hours: float | None
    dispose_hours: float | None

    def has(self, measure: Measure) -> bool:
        return bool(self.flags & measure.bit)


Hours = Callable[[float, float], float]

_INSPECTOR_SOURCE: Final = "inspector"
_SATISFIED, _BASIC = "satisfied", "basic"
_SUSPENDED, _CANCELLED = Status.SUSPENDED.value, Status.CANCELLED.value

#: Events whose data carries the step deadline the fold needs (the start of a timed step), the
#: disposal deadline (it changes), or something else it reads; the SQL extracts only these.
STEP_STARTERS: Final = frozenset(
    a.value
    for a in (
        Action.REPORT,
        Action.ACCEPT,
        Action.VERIFY,
        Action.FILE,
        Action.DISPOSE,
        Action.SEND_CHECK,
        Action.APPROVE_RETURN,
        Action.REJECT_SELF_HANDLED,
    )
)
DISPOSAL_SETTERS: Final = frozenset(
    a.value
    for a in (
        Action.DISPATCH,
        Action.APPROVE_EXTENSION,
        Action.REWORK,
        Action.APPROVE_RETURN,
        Action.APPROVE_SUSPENSION,
        Action.RESUME,
        Action.REOPEN,
    )
)

# Plain ints and strings: the fold runs millions of times, and enum attribute lookups add up.
_REPORT, _ACCEPT, _VERIFY, _FILE, _CANCEL, _DISPATCH = (
    Action.REPORT.value,
    Action.ACCEPT.value,
    Action.VERIFY.value,
    Action.FILE.value,
    Action.CANCEL.value,
    Action.DISPATCH.value,
)
_RETURN, _DISPOSE, _EXTEND, _REWORK, _PASS, _SEND_CHECK = (
    Action.APPROVE_RETURN.value,
    Action.DISPOSE.value,
    Action.APPROVE_EXTENSION.value,
    Action.REWORK.value,
    Action.PASS_CHECK.value,
    Action.SEND_CHECK.value,
)
_CLOSE, _REOPEN, _APPEAL, _RATE = (
    Action.CLOSE.value,
    Action.REOPEN.value,
    Action.APPROVE_OVERDUE_APPEAL.value,
    Action.RATE.value,
)
M = Measure
_B_REPORTED, _B_ACCEPTED, _B_ACCEPTED_OT = M.REPORTED.bit, M.ACCEPTED.bit, M.ACCEPTED_ON_TIME.bit
_B_VERIFIED, _B_VERIFIED_OT = M.VERIFIED.bit, M.VERIFIED_ON_TIME.bit
_B_FILED, _B_FILED_OT, _B_CANCELLED = M.FILED.bit, M.FILED_ON_TIME.bit, M.CANCELLED.bit
_B_DISPATCHED, _B_DISPATCHED_OT = M.DISPATCHED.bit, M.DISPATCHED_ON_TIME.bit
_B_DISPATCH_RETURNED, _B_DISPATCH_REWORKED = M.DISPATCH_RETURNED.bit, M.DISPATCH_REWORKED.bit
_B_RETURNED, _B_DISPOSED = M.RETURNED.bit, M.DISPOSED.bit
_B_CHECKED, _B_CHECKED_OT = M.CHECKED.bit, M.CHECKED_ON_TIME.bit
_B_CHECK_SENT, _B_CHECK_SENT_OT = M.CHECK_SENT.bit, M.CHECK_SENT_ON_TIME.bit
_B_RATED, _B_SATISFIED, _B_BASIC = M.RATED.bit, M.SATISFIED.bit, M.BASIC_SATISFIED.bit


def fold(
    case: CaseInfo, events: Iterable[Sequence[Any]], start: float, end: float, hours: Hours
) -> Fact | None:
    """What one case counts for in [start, end); `events` in order, none at or after `end`.

    Each event is an `Event` or a tuple in its field order; instants in any one unit (the SQL
    gives milliseconds) and `hours(a, b)` the working hours between two instants in that unit.
    None when the case counts for nothing.
    """
    flags = 0
    step_deadline = disposal_deadline = reported_at = closed_at = None
    last_dispatch_at = last_dispose_at = None
    status = ""
    filed = cancelled = reworked = extended = exempt = dispatched_in_period = False
    department = returned_from = receptionist = verifier = filer = None
    dispatcher = check_sender = checker = None
    accept_hours = dispose_hours = None

    for action, to_status, actor, at, step, disposal, dept, returned_by, satisfaction in events:
        inside = at >= start
        on_time = step_deadline is not None and at <= step_deadline
        if action == _REPORT:
            reported_at = at
            if inside:
                flags |= _B_REPORTED
        elif action == _ACCEPT:
            if inside:
                flags |= _B_ACCEPTED | (_B_ACCEPTED_OT if on_time else 0)
                receptionist = actor
                if reported_at is not None:
                    accept_hours = hours(reported_at, at)
        elif action == _VERIFY:
            if inside:
                flags |= _B_VERIFIED | (_B_VERIFIED_OT if on_time else 0)
                verifier = actor
        elif action == _FILE:
            filed = True
            filer = actor
            if inside:
                flags |= _B_FILED | (_B_FILED_OT if on_time else 0)
        elif action == _DISPATCH:
            department = dept
            last_dispatch_at = at
            if inside and not dispatched_in_period:
                dispatched_in_period = True
                dispatcher = actor
                flags |= _B_DISPATCHED | (_B_DISPATCHED_OT if on_time else 0)
        elif action == _DISPOSE:
            # Judged against the disposal deadline in force at the end, not the step's.
            last_dispose_at = at
            if inside:
                flags |= _B_DISPOSED
                if last_dispatch_at is not None:
                    dispose_hours = hours(last_dispatch_at, at)
        elif action == _SEND_CHECK:
            if inside:
                flags |= _B_CHECK_SENT | (_B_CHECK_SENT_OT if on_time else 0)
                check_sender = actor
        elif action == _PASS:
            if inside:
                flags |= _B_CHECKED | (_B_CHECKED_OT if on_time else 0)
                checker = actor
        elif action == _CLOSE:
            closed_at = at
        elif action == _REWORK:
            reworked = True
            if dispatched_in_period:
                flags |= _B_DISPATCH_REWORKED
            if inside:
                flags |= _B_CHECKED | (_B_CHECKED_OT if on_time else 0)
                checker = actor
        elif action == _RETURN:
            department = None  # back at the centre until dispatched again
            if dispatched_in_period:
                flags |= _B_DISPATCH_RETURNED
            if inside:
                flags |= _B_RETURNED
                returned_from = returned_by
        elif action == _CANCEL:
            cancelled = True
            if inside:
                flags |= _B_CANCELLED
        elif action == _EXTEND:
            extended = True
        elif action == _REOPEN:
            closed_at = None
        elif action == _APPEAL:
            exempt = True
        elif action == _RATE and inside:
            flags |= _B_RATED
            if satisfaction == _SATISFIED:
                flags |= _B_SATISFIED
            elif satisfaction == _BASIC:
                flags |= _B_BASIC
        status = to_status
        step_deadline = step
        if action in DISPOSAL_SETTERS:
            disposal_deadline = disposal

    if flags & _B_REPORTED and filed:
        flags |= Measure.VALID_REPORTED.bit
        if case.source != _INSPECTOR_SOURCE:
            flags |= Measure.PUBLIC_VERIFIED.bit
    suspended = status == _SUSPENDED
    if suspended:
        flags |= Measure.SUSPENDED.bit
    if flags & _B_FILED:
        if not suspended:
            flags |= Measure.AREA_FILED.bit
        if cancelled:
            flags |= Measure.FILED_CANCELLED.bit
    deadline = disposal_deadline
    if (
        deadline is not None
        and not suspended
        and status != _CANCELLED
        and deadline < end
        and (deadline >= start or closed_at is None or closed_at >= start)
    ):
        flags |= Measure.DUE.bit
        in_time = exempt or (last_dispose_at is not None and last_dispose_at <= deadline)
        flags |= Measure.DISPOSED_ON_TIME.bit if in_time else Measure.OVERDUE.bit
        if closed_at is not None:
            flags |= Measure.CLOSED.bit | (Measure.CLOSED_ON_TIME.bit if in_time else 0)
        if reworked:
            flags |= Measure.REWORKED.bit
        if extended:
            flags |= Measure.EXTENDED.bit
    if not flags:
        return None
    return Fact(
        case_id=case.case_id,
        flags=flags,
        columns=(
            case.grid_id,
            case.community_id,
            case.street_id,
            case.district_id,
            department,
            returned_from,
            case.reporter_id if case.source == _INSPECTOR_SOURCE else None,
            receptionist,
            verifier,
            filer,
            dispatcher,
            check_sender,
            checker,
        ),
        accept_hours=accept_hours,
        dispose_hours=dispose_hours,
    )
