"""The case workflow as a table: which action moves a case from which status to which, and who may.

Plain Python, no ORM. `tests/cases/test_workflow.py` walks every (status, action) pair.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from finegrid.org.roles import Role


class Status(StrEnum):
    REPORTED = "reported"  # 已上报，待受理
    DECLINED = "declined"  # 不予受理
    VERIFYING = "verifying"  # 待核实
    PENDING_FILING = "pending_filing"  # 待立案
    SELF_HANDLED = "self_handled"  # 自处理，待审核
    FILED = "filed"  # 已立案，待派遣
    DISPATCHED = "dispatched"  # 已派遣，待部门签收
    DISPOSING = "disposing"  # 处置中
    EXTENSION_REQUESTED = "extension_requested"  # 延期申请中
    RETURN_REQUESTED = "return_requested"  # 回退申请中
    SUSPENSION_REQUESTED = "suspension_requested"  # 挂账申请中
    SUSPENDED = "suspended"  # 已挂账
    DISPOSED = "disposed"  # 已处置，待派核查
    CHECKING = "checking"  # 待核查
    PENDING_CLOSE = "pending_close"  # 待结案
    CLOSED = "closed"  # 已结案
    CANCELLED = "cancelled"  # 已作废


class Action(StrEnum):
    REPORT = "report"
    ACCEPT = "accept"
    DECLINE = "decline"
    VERIFY = "verify"
    FILE = "file"
    CANCEL = "cancel"
    REVIEW_SELF_HANDLED = "review_self_handled"
    REJECT_SELF_HANDLED = "reject_self_handled"
    DISPATCH = "dispatch"
    SIGN_FOR = "sign_for"  # the department accepts the case (签收)
    DISPOSE = "dispose"
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    REJECT_EXTENSION = "reject_extension"
    REQUEST_RETURN = "request_return"
    APPROVE_RETURN = "approve_return"
    REJECT_RETURN = "reject_return"
    REQUEST_SUSPENSION = "request_suspension"
    APPROVE_SUSPENSION = "approve_suspension"
    REJECT_SUSPENSION = "reject_suspension"
    RESUME = "resume"
    SEND_CHECK = "send_check"
    PASS_CHECK = "pass_check"
    REWORK = "rework"
    CLOSE = "close"
    SUPERVISE = "supervise"
    APPROVE_OVERDUE_APPEAL = "approve_overdue_appeal"  # 超时申诉: exempt from the overdue count
    REOPEN = "reopen"
    RATE = "rate"  # the citizen's satisfaction with a closed case (or recorded on a callback)


#: Statuses a case never leaves (reopen is the one way back from CLOSED, within its window).
TERMINAL: Final = frozenset({Status.DECLINED, Status.CLOSED, Status.CANCELLED})
OPEN: Final = frozenset(Status) - TERMINAL

#: The step whose clock runs in each status; the disposal steps share the deadline set at dispatch.
STEP_OF_STATUS: Final[Mapping[Status, str | None]] = {
    Status.REPORTED: "accept",
    Status.VERIFYING: "verify",
    Status.PENDING_FILING: "file",
    Status.SELF_HANDLED: "review",
    Status.FILED: "dispatch",
    Status.DISPATCHED: "dispose",
    Status.DISPOSING: "dispose",
    Status.EXTENSION_REQUESTED: "dispose",
    Status.RETURN_REQUESTED: "dispose",
    Status.SUSPENSION_REQUESTED: "dispose",
    Status.SUSPENDED: None,  # the clock stops
    Status.DISPOSED: "send_check",
    Status.CHECKING: "check",
    Status.PENDING_CLOSE: "close",
    Status.CLOSED: None,
    Status.DECLINED: None,
    Status.CANCELLED: None,
}
DISPOSAL_STATUSES: Final = frozenset(s for s, step in STEP_OF_STATUS.items() if step == "dispose")


@dataclass(frozen=True)
class Transition:
    targets: frozenset[Status]
    roles: frozenset[Role]
    note_required: bool = False


def _t(*targets: Status, roles: set[Role], note: bool = False) -> Transition:
    return Transition(frozenset(targets), frozenset(roles), note)


S, R = Status, Role
_CENTRE_CANCEL = {R.SHIFT_LEADER}
_CANCELLABLE = (
    S.PENDING_FILING,
    S.FILED,
    S.DISPATCHED,
    S.DISPOSING,
    S.EXTENSION_REQUESTED,
    S.RETURN_REQUESTED,
    S.SUSPENSION_REQUESTED,
    S.SUSPENDED,
    S.DISPOSED,
    S.CHECKING,
    S.PENDING_CLOSE,
)

#: (status, action) → where it may go and who may take it. Absent pairs are not allowed.
TRANSITIONS: Final[Mapping[tuple[Status, Action], Transition]] = {
    (S.REPORTED, Action.ACCEPT): _t(S.VERIFYING, S.PENDING_FILING, roles={R.RECEPTIONIST}),
    (S.REPORTED, Action.DECLINE): _t(S.DECLINED, roles={R.RECEPTIONIST}, note=True),
    (S.VERIFYING, Action.VERIFY): _t(S.PENDING_FILING, roles={R.INSPECTOR}),
    (S.PENDING_FILING, Action.FILE): _t(S.FILED, roles={R.SHIFT_LEADER}),
    (S.SELF_HANDLED, Action.REVIEW_SELF_HANDLED): _t(S.PENDING_CLOSE, roles={R.SHIFT_LEADER}),
    (S.SELF_HANDLED, Action.REJECT_SELF_HANDLED): _t(
        S.PENDING_FILING, roles={R.SHIFT_LEADER}, note=True
    ),
    (S.FILED, Action.DISPATCH): _t(S.DISPATCHED, roles={R.DISPATCHER}),
    (S.DISPATCHED, Action.SIGN_FOR): _t(S.DISPOSING, roles={R.HANDLER, R.DEPARTMENT_ADMIN}),
    (S.DISPATCHED, Action.REQUEST_RETURN): _t(
        S.RETURN_REQUESTED, roles={R.HANDLER, R.DEPARTMENT_ADMIN}, note=True
    ),
    (S.DISPOSING, Action.DISPOSE): _t(S.DISPOSED, roles={R.HANDLER, R.DEPARTMENT_ADMIN}, note=True),
    (S.DISPOSING, Action.REQUEST_EXTENSION): _t(
        S.EXTENSION_REQUESTED, roles={R.HANDLER, R.DEPARTMENT_ADMIN}, note=True
    ),
    (S.DISPOSING, Action.REQUEST_RETURN): _t(
        S.RETURN_REQUESTED, roles={R.HANDLER, R.DEPARTMENT_ADMIN}, note=True
    ),
    (S.DISPOSING, Action.REQUEST_SUSPENSION): _t(
        S.SUSPENSION_REQUESTED, roles={R.HANDLER, R.DEPARTMENT_ADMIN}, note=True
    ),
    (S.EXTENSION_REQUESTED, Action.APPROVE_EXTENSION): _t(S.DISPOSING, roles={R.DISPATCHER}),
    (S.EXTENSION_REQUESTED, Action.REJECT_EXTENSION): _t(
        S.DISPOSING, roles={R.DISPATCHER}, note=True
    ),
    (S.RETURN_REQUESTED, Action.APPROVE_RETURN): _t(S.FILED, roles={R.DISPATCHER}),
    (S.RETURN_REQUESTED, Action.REJECT_RETURN): _t(S.DISPOSING, roles={R.DISPATCHER}, note=True),
    (S.SUSPENSION_REQUESTED, Action.APPROVE_SUSPENSION): _t(S.SUSPENDED, roles={R.DISPATCHER}),
    (S.SUSPENSION_REQUESTED, Action.REJECT_SUSPENSION): _t(
        S.DISPOSING, roles={R.DISPATCHER}, note=True
    ),
    (S.SUSPENDED, Action.RESUME): _t(S.DISPOSING, roles={R.DISPATCHER}),
    (S.DISPOSED, Action.SEND_CHECK): _t(S.CHECKING, roles={R.RECEPTIONIST}),
    (S.CHECKING, Action.PASS_CHECK): _t(S.PENDING_CLOSE, roles={R.INSPECTOR}),
    (S.CHECKING, Action.REWORK): _t(S.DISPOSING, roles={R.INSPECTOR}, note=True),
    (S.PENDING_CLOSE, Action.CLOSE): _t(S.CLOSED, roles={R.SHIFT_LEADER}),
    (S.CLOSED, Action.REOPEN): _t(S.DISPOSING, roles={R.RECEPTIONIST}, note=True),
    (S.CLOSED, Action.RATE): _t(S.CLOSED, roles={R.RECEPTIONIST}),
    **{
        (status, Action.CANCEL): _t(S.CANCELLED, roles=_CENTRE_CANCEL, note=True)
        for status in _CANCELLABLE
    },
    **{
        (status, Action.SUPERVISE): _t(status, roles={R.SUPERVISOR, R.LEADER}, note=True)
        for status in OPEN
    },
    # The department's appeal (not its fault that it ran late) is approved by the supervision
    # centre; the case keeps its status and stops counting as overdue in evaluation.
    **{
        (status, Action.APPROVE_OVERDUE_APPEAL): _t(status, roles={R.SUPERVISOR}, note=True)
        for status in (
            *sorted(DISPOSAL_STATUSES),
            S.SUSPENDED,
            S.DISPOSED,
            S.CHECKING,
            S.PENDING_CLOSE,
            S.CLOSED,
        )
    },
}

#: What a citizen may do themselves on a case they reported, proving it with its tracking code:
#: say it is not fixed (reopen), and rate the result. Their events name no user, role "citizen".
PUBLIC_ACTIONS: Final = frozenset({Action.REOPEN, Action.RATE})
CITIZEN_ROLE: Final = "citizen"

#: Roles that may create a case, and the status a new report starts in.
REPORT_ROLES: Final = frozenset({R.INSPECTOR, R.RECEPTIONIST, R.SUPERVISOR, R.LEADER})
SELF_HANDLE_ROLES: Final = frozenset({R.INSPECTOR})


class WorkflowError(Exception):
    """Base of the domain errors an action raises; nothing was written when one is raised."""

    code = "workflow_error"


class InvalidTransition(WorkflowError):
    code = "invalid_transition"

    def __init__(self, status: Status, action: Action) -> None:
        super().__init__(status, action)
        self.status, self.action = status, action


class ActionNotPermitted(WorkflowError):
    code = "not_permitted"

    def __init__(self, action: Action, roles: frozenset[Role]) -> None:
        super().__init__(action, roles)
        self.action, self.roles = action, roles


def transition_for(status: Status, action: Action) -> Transition:
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise InvalidTransition(status, action) from None


def role_for(transition: Transition, action: Action, held: frozenset[Role]) -> Role:
    """The role under which someone holding `held` takes this transition (the first allowed)."""
    allowed = sorted(transition.roles & held)
    if not allowed:
        raise ActionNotPermitted(action, held)
    return allowed[0]


def allowed_actions(status: Status, held: frozenset[Role]) -> list[Action]:
    """The actions these roles may take on a case in this status, in table order."""
    return [a for (s, a), t in TRANSITIONS.items() if s == status and t.roles & held]
