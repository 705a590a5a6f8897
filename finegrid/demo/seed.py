"""Builds the demo city through the apps' own actions; safe to run again (it updates in place)."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from finegrid.demo import city
from finegrid.demo.shapes import demo_outlines
from finegrid.geo.actions import assign_grids, set_area_boundary, upsert_area
from finegrid.geo.grids import generate_grids
from finegrid.geo.models import Area, AreaClass, AreaLevel, Grid
from finegrid.org.actions import load_department_types, upsert_staff_user, upsert_unit
from finegrid.org.models import DepartmentType, Unit, UnitKind, UnitLevel, User
from finegrid.org.roles import Role


@dataclass(frozen=True)
class DemoLogin:
    role: Role
    username: str
    password: str
    full_name: str
    unit: str


def _passwords_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-logins.json"


def _stored_passwords() -> dict[str, str]:
    path = _passwords_file()
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    return stored


def _demo_passwords(usernames: list[str]) -> dict[str, str]:
    """Random per-installation passwords, kept outside the repository so reruns print the same."""
    path = _passwords_file()
    known = _stored_passwords()
    for username in usernames:
        known.setdefault(username, secrets.token_urlsafe(9))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(known, indent=2))
    path.chmod(0o600)
    return known


def seed_areas() -> dict[str, Area]:
    by_code: dict[str, Area] = {}
    city_code, city_name = city.CITY
    by_code[city_code] = upsert_area(
        code=city_code, name=city_name, level=AreaLevel.CITY, parent=None
    )
    for district_code, district_name, core, streets in city.DISTRICTS:
        area_class = AreaClass.CORE if core else AreaClass.ORDINARY
        district = upsert_area(
            code=district_code,
            name=district_name,
            level=AreaLevel.DISTRICT,
            parent=by_code[city_code],
            area_class=area_class,
        )
        by_code[district_code] = district
        for street_serial, street_name, communities in streets:
            street_code = district_code + street_serial
            street = upsert_area(
                code=street_code,
                name=street_name,
                level=AreaLevel.STREET,
                parent=district,
                area_class=area_class,
            )
            by_code[street_code] = street
            for serial, community_name in enumerate(communities, start=1):
                code = f"{street_code}{serial:03d}"
                by_code[code] = upsert_area(
                    code=code,
                    name=community_name,
                    level=AreaLevel.COMMUNITY,
                    parent=street,
                    area_class=area_class,
                )
    return by_code


def seed_units(areas: dict[str, Area]) -> dict[str, Unit]:
    load_department_types()
    types = {t.code: t for t in DepartmentType.objects.all()}
    city_area = areas[city.CITY[0]]
    units: dict[str, Unit] = {}

    def add(name: str, kind: UnitKind, level: UnitLevel, area: Area, **extra: object) -> Unit:
        units[name] = upsert_unit(name=name, kind=kind, level=level, area=area, **extra)  # type: ignore[arg-type]
        return units[name]

    add(
        "示范市城市运行管理监督中心",
        UnitKind.SUPERVISION_CENTRE,
        UnitLevel.CITY,
        city_area,
        short_name="监督中心",
    )
    add(
        "示范市城市运行管理指挥中心",
        UnitKind.COMMAND_CENTRE,
        UnitLevel.CITY,
        city_area,
        short_name="指挥中心",
    )
    for name, type_code, short in city.CITY_DEPARTMENTS:
        add(
            name,
            UnitKind.DEPARTMENT,
            UnitLevel.CITY,
            city_area,
            department_type=types[type_code],
            short_name=short,
        )
    for district_code, district_name, _core, streets in city.DISTRICTS:
        district = areas[district_code]
        for suffix, type_code, short in city.DISTRICT_DEPARTMENTS:
            add(
                f"{district_name}{suffix}",
                UnitKind.DEPARTMENT,
                UnitLevel.DISTRICT,
                district,
                department_type=types[type_code],
                parent=units[next(n for n, t, _s in city.CITY_DEPARTMENTS if t == type_code)],
                short_name=f"{district_name[:2]}{short}",
            )
        for street_serial, street_name, communities in streets:
            street = areas[district_code + street_serial]
            office = add(
                f"{district_name}{street_name}办事处",
                UnitKind.STREET_OFFICE,
                UnitLevel.STREET,
                street,
                department_type=types["street_office"],
                short_name=street_name,
            )
            for serial, community_name in enumerate(communities, start=1):
                add(
                    f"{district_name}{street_name}{community_name}居民委员会",
                    UnitKind.COMMUNITY_COMMITTEE,
                    UnitLevel.COMMUNITY,
                    areas[f"{street.code}{serial:03d}"],
                    parent=office,
                    short_name=community_name,
                )
    return units


# role, username, name, unit name, area codes of scope (empty: the unit's area)
DEMO_STAFF: list[tuple[Role, str, str, str, tuple[str, ...]]] = [
    (Role.INSPECTOR, "inspector", "张伟", "示范市城市运行管理监督中心", ("990102001",)),
    (Role.RECEPTIONIST, "receptionist", "李娜", "示范市城市运行管理监督中心", ()),
    (Role.SHIFT_LEADER, "shiftleader", "王强", "示范市城市运行管理监督中心", ()),
    (Role.DISPATCHER, "dispatcher", "刘洋", "示范市城市运行管理指挥中心", ()),
    (Role.HANDLER, "handler", "陈静", "明湖区城市管理局", ()),
    (Role.DEPARTMENT_ADMIN, "deptadmin", "杨帆", "明湖区城市管理局", ()),
    (Role.SUPERVISOR, "supervisor", "赵敏", "示范市城市运行管理监督中心", ("990102",)),
    (Role.LEADER, "leader", "周建国", "示范市城市运行管理指挥中心", ()),
    (Role.ADMIN, "admin", "系统管理员", "示范市城市运行管理监督中心", ()),
]


def seed_street_inspectors(areas: dict[str, Area], units: dict[str, Unit]) -> dict[str, User]:
    """One inspector per street; the printed demo inspector patrols the first street."""
    centre = units["示范市城市运行管理监督中心"]
    street_codes = [d + s for d, _n, _c, streets in city.DISTRICTS for s, _sn, _cs in streets]
    passwords = _demo_passwords([f"inspector{i:02d}" for i in range(2, len(street_codes) + 1)])
    by_street: dict[str, User] = {street_codes[0]: User.objects.get(username="inspector")}
    for i, (code, name) in enumerate(zip(street_codes[1:], INSPECTOR_NAMES, strict=False), start=2):
        username = f"inspector{i:02d}"
        by_street[code] = upsert_staff_user(
            username=username,
            full_name=name,
            roles=[Role.INSPECTOR],
            password=passwords[username],
            unit=centre,
            areas=[areas[code]],
        )
    return by_street


INSPECTOR_NAMES = ["孙丽", "马超", "朱红", "胡军", "郭静", "何磊", "高翔"]


def seed_staff(areas: dict[str, Area], units: dict[str, Unit]) -> list[DemoLogin]:
    passwords = _demo_passwords([username for _r, username, *_rest in DEMO_STAFF])
    logins: list[DemoLogin] = []
    for role, username, full_name, unit_name, area_codes in DEMO_STAFF:
        upsert_staff_user(
            username=username,
            full_name=full_name,
            roles=[role],
            password=passwords[username],
            unit=units[unit_name],
            areas=[areas[c] for c in area_codes],
        )
        logins.append(DemoLogin(role, username, passwords[username], full_name, unit_name))
    return logins


GRIDS_VALID_FROM = dt.date(2026, 1, 1)


def seed_geography(areas: dict[str, Area], units: dict[str, Unit]) -> None:
    """Outlines for every area, grids cut once (a rerun keeps them), each street's grids assigned."""
    layout = [
        (
            district_code,
            [(district_code + serial, len(communities)) for serial, _n, communities in streets],
        )
        for district_code, _name, _core, streets in city.DISTRICTS
    ]
    for code, outline in demo_outlines(layout).items():
        if areas[code].boundary != outline:
            set_area_boundary(area=areas[code], geometry=outline)
    city_area = areas[city.CITY[0]]
    if not Grid.objects.current().filter(code__startswith=city_area.code_prefix).exists():
        generate_grids(within=city_area, valid_from=GRIDS_VALID_FROM)


def assign_demo_grids(
    areas: dict[str, Area], units: dict[str, Unit], inspectors: dict[str, User]
) -> None:
    for district_code, district_name, _core, streets in city.DISTRICTS:
        for serial, street_name, _communities in streets:
            street = areas[district_code + serial]
            assign_grids(
                within=street,
                responsible_unit=units[f"{district_name}{street_name}办事处"],
                inspectors=[inspectors[street.code]],
            )


#: The kinds of unit cases are dispatched to in the demo, each given a handler account.
HANDLED_UNIT_KINDS = (UnitKind.DEPARTMENT, UnitKind.STREET_OFFICE)


def handler_username(unit: Unit) -> str:
    return f"h-{unit.pk}"


def seed_unit_handlers(units: dict[str, Unit]) -> dict[int, User]:
    """One handler per department and street office, so every dispatched case has someone to act.

    Their random passwords are kept in the demo logins file with the others but not printed (one
    printed login per role). A password is hashed only for a new account or a new password: the
    hasher is slow on purpose, and a rerun of the seed must stay fast.
    """
    receiving = sorted(
        (u for u in units.values() if u.kind in HANDLED_UNIT_KINDS), key=lambda u: u.pk
    )
    usernames = [handler_username(u) for u in receiving]
    before = _stored_passwords()
    passwords = _demo_passwords(usernames)
    existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    handlers: dict[int, User] = {}
    for unit, username in zip(receiving, usernames, strict=True):
        fresh = username not in existing or before.get(username) != passwords[username]
        handlers[unit.pk] = upsert_staff_user(
            username=username,
            full_name=f"{unit.short_name or unit.name}处置员",
            roles=[Role.HANDLER],
            password=passwords[username] if fresh else None,
            unit=unit,
        )
    return handlers


def seed_demo() -> list[DemoLogin]:
    from finegrid.catalogue.actions import load_catalogue

    with transaction.atomic():
        areas = seed_areas()
        units = seed_units(areas)
        seed_geography(areas, units)
        load_catalogue()
        logins = seed_staff(areas, units)
        assign_demo_grids(areas, units, seed_street_inspectors(areas, units))
        seed_unit_handlers(units)
        return logins
