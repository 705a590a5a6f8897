"""Who may read rankings, and who computes, publishes and corrects them."""

from __future__ import annotations

from typing import Final

from finegrid.org.models import User
from finegrid.org.roles import Role, roles_of

#: Rankings are what bulletins publish to every unit: the centre, leaders and department heads read them.
RANKING_ROLES: Final = frozenset(
    {Role.LEADER, Role.SUPERVISOR, Role.ADMIN, Role.SHIFT_LEADER, Role.DEPARTMENT_ADMIN}
)
#: The supervision centre runs the assessment: computes runs, publishes, corrects, enters adjustments.
RUN_ROLES: Final = frozenset({Role.SUPERVISOR, Role.ADMIN})


def can_view_rankings(user: User) -> bool:
    return user.is_authenticated and bool(roles_of(user) & RANKING_ROLES)


def can_manage_runs(user: User) -> bool:
    return user.is_authenticated and bool(roles_of(user) & RUN_ROLES)
