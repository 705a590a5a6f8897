"""Who may see a case and act on it: the one place that decides, used by pages, API and actions.

A street's staff see their street's cases, a department what was dispatched to it, inspectors their
grids' cases and their own tasks, supervisors and leaders their areas. Out of scope looks like
not found.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from finegrid.cases.errors import CaseNotFound
from finegrid.cases.models import Case
from finegrid.cases.workflow import Action, ActionNotPermitted
from finegrid.geo.models import Grid
from finegrid.org.models import User
from finegrid.org.roles import Role, roles_of
from finegrid.org.selectors import scope_areas

AREA_ROLES = frozenset(
    {
        Role.RECEPTIONIST,
        Role.SHIFT_LEADER,
        Role.DISPATCHER,
        Role.SUPERVISOR,
        Role.LEADER,
        Role.ADMIN,
    }
)
DEPARTMENT_ROLES = frozenset({Role.HANDLER, Role.DEPARTMENT_ADMIN})
DEPARTMENT_ACTIONS = frozenset(
    {
        Action.SIGN_FOR,
        Action.DISPOSE,
        Action.REQUEST_EXTENSION,
        Action.REQUEST_RETURN,
        Action.REQUEST_SUSPENSION,
    }
)
INSPECTOR_TASKS = frozenset({Action.VERIFY, Action.PASS_CHECK, Action.REWORK})


def area_prefixes(user: User) -> list[str]:
    return [area.code_prefix for area in scope_areas(user=user)]


def _in_areas(prefixes: list[str]) -> Q:
    condition = Q(pk__in=[])
    for prefix in prefixes:
        condition |= Q(area_code__startswith=prefix)
    return condition


@dataclass(frozen=True)
class Scope:
    """A user's roles and the area codes they answer for, read once and used by every check."""

    roles: frozenset[Role]
    prefixes: tuple[str, ...]


def scope_of(user: User) -> Scope:
    roles = roles_of(user)
    return Scope(roles, tuple(area_prefixes(user)) if roles & AREA_ROLES else ())


def visibility(user: User, scope: Scope | None = None) -> Q:
    scope = scope_of(user) if scope is None else scope
    roles = scope.roles
    condition = Q(pk__in=[])
    if roles & AREA_ROLES:
        condition |= _in_areas(list(scope.prefixes))
    if roles & DEPARTMENT_ROLES and user.unit_id is not None:
        condition |= Q(department_id=user.unit_id)
    if Role.INSPECTOR in roles:
        grids = Grid.objects.filter(inspectors=user).values("pk")
        condition |= Q(reporter=user) | Q(inspector=user) | Q(grid__in=grids)
    return condition


def visible_cases(user: User) -> QuerySet[Case]:
    if not user.is_active:
        return Case.objects.none()
    return Case.objects.filter(visibility(user))


def access_case_by_id(*, user: User, case_id: int) -> Case:
    case = visible_cases(user).filter(pk=case_id).first()
    if case is None:
        raise CaseNotFound(case_id)
    return case


def check_action_scope(
    *, user: User, case: Case, action: Action, role: Role, scope: Scope | None = None
) -> None:
    """Beyond the role: a handler acts only for their own department, an inspector on their task."""
    own_department = case.department_id is not None and case.department_id == user.unit_id
    if role in DEPARTMENT_ROLES and action in DEPARTMENT_ACTIONS and not own_department:
        raise ActionNotPermitted(action, frozenset({role}))
    if role == Role.INSPECTOR and action in INSPECTOR_TASKS:
        assigned = case.inspector_id == user.pk
        patrols = (
            case.grid_id is not None
            and Grid.objects.filter(pk=case.grid_id, inspectors=user).exists()
        )
        if not (assigned or patrols):
            raise ActionNotPermitted(action, frozenset({role}))
    if role in AREA_ROLES:
        code = case.area_code
        prefixes = scope.prefixes if scope is not None else tuple(area_prefixes(user))
        if not any(code.startswith(prefix) for prefix in prefixes):
            raise ActionNotPermitted(action, frozenset({role}))


def can_view_citizen_contact(user: User) -> bool:
    return user.has_perm("cases.view_citizen_contact")


def channel_cases(*, source: str, area_prefix: str) -> QuerySet[Case]:
    """What an integration (a service token, an Open311 client) may read: the cases that came in
    through its source, in its area."""
    return Case.objects.filter(source=source, area_code__startswith=area_prefix)
