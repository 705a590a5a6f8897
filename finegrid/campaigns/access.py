"""Who may do what with campaigns: the centre and leaders run plans and inspections, owners
report on their tasks, and nobody accepts their own work."""

from __future__ import annotations

from typing import Final

from finegrid.org.models import User
from finegrid.org.roles import Role, roles_of

#: The centre and leaders draw up plans, supervise laggards and accept finished tasks.
PLAN_ROLES: Final = frozenset({Role.SUPERVISOR, Role.LEADER, Role.ADMIN})
#: Supervision notices are issued by the supervision centre and by leaders.
SUPERVISE_ROLES: Final = frozenset({Role.SUPERVISOR, Role.LEADER})
#: Acceptance is an inspection by the centre or a leader, never by the task's owner.
ACCEPT_ROLES: Final = frozenset({Role.SUPERVISOR, Role.LEADER})
#: Rounds are planned by the supervision centre; supervisors and inspectors score on site.
ROUND_ROLES: Final = frozenset({Role.SUPERVISOR, Role.ADMIN})
SCORE_ROLES: Final = frozenset({Role.SUPERVISOR, Role.INSPECTOR})
#: Everyone who may open the campaign pages at all (owners see their own tasks there).
CAMPAIGN_ROLES: Final = frozenset(
    {
        Role.SUPERVISOR,
        Role.LEADER,
        Role.ADMIN,
        Role.DEPARTMENT_ADMIN,
        Role.HANDLER,
        Role.SHIFT_LEADER,
        Role.INSPECTOR,
    }
)


def has_any(user: User, roles: frozenset[Role]) -> bool:
    return bool(user.is_authenticated and roles_of(user) & roles)


def can_view_campaigns(user: User) -> bool:
    return has_any(user, CAMPAIGN_ROLES)


def can_manage_plans(user: User) -> bool:
    return has_any(user, PLAN_ROLES)


def can_supervise(user: User) -> bool:
    return has_any(user, SUPERVISE_ROLES)


def can_accept(user: User) -> bool:
    return has_any(user, ACCEPT_ROLES)


def can_run_rounds(user: User) -> bool:
    return has_any(user, ROUND_ROLES)


def can_score(user: User) -> bool:
    return has_any(user, SCORE_ROLES)
