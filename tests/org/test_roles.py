from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from finegrid.org.models import User
from finegrid.org.roles import GROUP_NAMES, ROLE_PERMISSIONS, Role, roles_of, sync_role_groups

pytestmark = pytest.mark.django_db


def test_every_role_is_a_group_holding_exactly_its_permissions() -> None:
    for role, dotted in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=GROUP_NAMES[role])
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert held == set(dotted), role


def test_every_permission_the_table_names_exists() -> None:
    named = {d for dotted in ROLE_PERMISSIONS.values() for d in dotted}
    existing = {
        f"{app}.{codename}"
        for app, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }
    assert sorted(named - existing) == []


def test_sync_is_idempotent_and_repairs_a_tampered_group() -> None:
    group = Group.objects.get(name=GROUP_NAMES[Role.INSPECTOR])
    group.permissions.clear()
    first = sync_role_groups()
    second = sync_role_groups()
    assert first == second
    assert group.permissions.count() == len(ROLE_PERMISSIONS[Role.INSPECTOR])


def test_permissions_not_role_names_decide(cast: dict[str, User]) -> None:
    admin, inspector = cast["admin"], cast["inspector"]
    assert admin.has_perm("catalogue.change_filingrule")
    assert admin.has_perm("worktime.add_calendarday")
    assert not inspector.has_perm("catalogue.change_filingrule")
    assert inspector.has_perm("catalogue.view_category")


def test_each_demo_user_holds_one_role(cast: dict[str, User]) -> None:
    printed = {
        u: sorted(roles_of(user))
        for u, user in cast.items()
        if not u.startswith(("inspector0", "h-"))
    }
    assert printed == {
        "inspector": [Role.INSPECTOR],
        "receptionist": [Role.RECEPTIONIST],
        "shiftleader": [Role.SHIFT_LEADER],
        "dispatcher": [Role.DISPATCHER],
        "handler": [Role.HANDLER],
        "deptadmin": [Role.DEPARTMENT_ADMIN],
        "supervisor": [Role.SUPERVISOR],
        "leader": [Role.LEADER],
        "admin": [Role.ADMIN],
    }
    street_inspectors = [u for u in cast if u.startswith("inspector0")]
    assert sorted(street_inspectors) == [f"inspector{i:02d}" for i in range(2, 9)]
    assert all(roles_of(cast[u]) == {Role.INSPECTOR} for u in street_inspectors)
    # One handler per department and street office, for the simulator (not printed).
    unit_handlers = [user for u, user in cast.items() if u.startswith("h-")]
    assert len(unit_handlers) == 29
    assert all(roles_of(user) == {Role.HANDLER} for user in unit_handlers)
    assert all(u == f"h-{user.unit_id}" for u, user in cast.items() if u.startswith("h-"))
