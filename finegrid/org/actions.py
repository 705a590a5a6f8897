"""The only writers of the organisation: units, staff accounts, their roles and scope."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from django.db import transaction

from finegrid.geo.models import Area
from finegrid.org.models import DepartmentType, Unit, UnitKind, UnitLevel, User
from finegrid.org.roles import ADMIN_SITE_ROLES, Role, group_for

DEPARTMENT_TYPES_CSV = Path(__file__).with_name("data") / "department_types.csv"


def load_department_types(*, path: Path = DEPARTMENT_TYPES_CSV) -> int:
    """Create or update the department types of the fixture; returns how many rows it holds."""
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with transaction.atomic():
        for row in rows:
            DepartmentType.objects.update_or_create(
                code=row["code"], defaults={"name": row["name"], "description": row["description"]}
            )
    return len(rows)


def upsert_unit(
    *,
    name: str,
    kind: UnitKind,
    level: UnitLevel,
    area: Area,
    department_type: DepartmentType | None = None,
    parent: Unit | None = None,
    short_name: str = "",
    phone: str = "",
) -> Unit:
    unit = Unit.objects.filter(name=name).first() or Unit(name=name)
    unit.kind = kind
    unit.level = level
    unit.area = area
    unit.department_type = department_type
    unit.parent = parent
    unit.short_name = short_name
    unit.phone = phone
    unit.full_clean()
    unit.save()
    return unit


def upsert_staff_user(
    *,
    username: str,
    full_name: str,
    roles: Iterable[Role],
    password: str | None = None,
    unit: Unit | None = None,
    areas: Iterable[Area] = (),
    phone: str = "",
    email: str = "",
) -> User:
    """Create or update a staff account with exactly these roles and this scope."""
    role_set = frozenset(roles)
    with transaction.atomic():
        user = User.objects.filter(username=username).first() or User(username=username)
        user.full_name = full_name
        user.unit = unit
        user.phone = phone
        user.email = email
        user.is_staff = bool(role_set & ADMIN_SITE_ROLES)
        if password is not None:
            user.set_password(password)
        elif user.pk is None:
            user.set_unusable_password()
        user.save()
        user.groups.set([group_for(role) for role in sorted(role_set)])
        user.areas.set(list(areas))
    return user
