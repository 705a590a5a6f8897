"""The portal's reads: a case by its tracking code, the public map's recent reports, area outlines
for a map without tiles, the categories a citizen may choose, and how long "not fixed" stays open.

Everything here returns only what the public may see; the views add nothing from the case row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from django.db.models import Q
from django.utils import timezone

from finegrid.cases import timers
from finegrid.cases import tracking as codes
from finegrid.cases.models import Case, CaseAttachment, Source
from finegrid.cases.workflow import Status
from finegrid.catalogue.models import Category, Kind
from finegrid.geo.crs import CRS, from_wgs84, from_wgs84_many
from finegrid.geo.display import display_crs, for_display
from finegrid.geo.models import Area, AreaLevel
from finegrid.portal.timeline import PUBLIC_PHOTO_KINDS, public_stage, public_status
from finegrid.worktime import selectors as worktime

#: How far back the public map reaches, and how many points it draws at most (newest first).
MAP_DAYS: Final = 30
MAP_LIMIT: Final = 2000
#: Undercover inspections and leaders' assignments are not announced; declined and cancelled
#: reports were never problems the city took on. None of them goes on the public map.
MAP_SOURCES: Final = frozenset(
    {Source.CITIZEN, Source.HOTLINE, Source.INSPECTOR, Source.SENSOR, Source.MEDIA}
)
MAP_HIDDEN_STATUSES: Final = frozenset({Status.DECLINED, Status.CANCELLED})
#: Decimal places of a public point: 4 is about 10 m, enough to find the problem, not a doorway.
MAP_PRECISION: Final = 4
#: The area levels the public outline endpoint serves.
OUTLINE_LEVELS: Final = (AreaLevel.DISTRICT, AreaLevel.STREET, AreaLevel.COMMUNITY)


def case_by_code(code: str) -> Case | None:
    """The case with this tracking code (any spelling people type), or None."""
    normalised = codes.normalise(code)
    if not codes.is_well_formed(normalised):
        return None
    return (
        Case.objects.select_related("category", "community", "street", "district")
        .filter(tracking_code=normalised)
        .first()
    )


def public_photo(case: Case, attachment_id: int) -> CaseAttachment | None:
    """One of the case's before/after photos; never one of another case, never other material."""
    return CaseAttachment.objects.filter(
        case=case, pk=attachment_id, kind__in=PUBLIC_PHOTO_KINDS
    ).first()


def reopen_until(case: Case) -> dt.datetime | None:
    """Until when the citizen may say "not fixed" (the action itself has the last word)."""
    if case.status != Status.CLOSED or case.closed_at is None or case.department_id is None:
        return None
    amount, unit = timers.step_limit("reopen")
    return worktime.deadline(case.closed_at, amount, unit)


def city_bounds() -> list[float] | None:
    """[west, south, east, north] of the city outline in the tiles' system, to frame a map."""
    city = Area.objects.current().filter(level=AreaLevel.CITY, min_lon__isnull=False).first()
    if city is None or None in (city.min_lon, city.min_lat, city.max_lon, city.max_lat):
        return None
    crs = display_crs()
    west, south = from_wgs84(city.min_lon, city.min_lat, crs)  # type: ignore[arg-type]
    east, north = from_wgs84(city.max_lon, city.max_lat, crs)  # type: ignore[arg-type]
    return [west, south, east, north]


def area_outlines(level: AreaLevel) -> dict[str, Any]:
    """The current outlines of one level as GeoJSON in the tiles' system, with their names."""
    crs = display_crs()
    rows = (
        Area.objects.current()
        .filter(level=level, boundary__isnull=False)
        .order_by("code")
        .values_list("name", "boundary")
    )
    features = [
        {
            "type": "Feature",
            "properties": {"name": name},
            "geometry": for_display(boundary, crs),
        }
        for name, boundary in rows
        if boundary
    ]
    return {"type": "FeatureCollection", "features": features}


def recent_reports(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """The public map's points: category, status in plain words, date and street, nothing else.

    No description (people write their names and doorways into it), no address, no reporter, no
    tracking code, no case number: a point on the map must not lead to a person.
    """
    now = now or timezone.now()
    crs = display_crs()
    query = (
        Case.objects.filter(
            reported_at__gte=now - dt.timedelta(days=MAP_DAYS),
            reported_at__lte=now,
            source__in=MAP_SOURCES,
        )
        .exclude(status__in=MAP_HIDDEN_STATUSES)
        .order_by("-reported_at", "-pk")
        .values_list("lon", "lat", "status", "reported_at", "category__name", "street__name")[
            :MAP_LIMIT
        ]
    )
    rows = list(query)
    lons = [row[0] for row in rows]
    lats = [row[1] for row in rows]
    if crs != CRS.WGS84 and rows:
        shifted = from_wgs84_many(lons, lats, crs)
        lons, lats = shifted[0].tolist(), shifted[1].tolist()
    features = []
    for (_lon, _lat, status, reported_at, category, street), x, y in zip(
        rows, lons, lats, strict=True
    ):
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(x, MAP_PRECISION), round(y, MAP_PRECISION)],
                },
                "properties": {
                    "category": category or "",
                    "status": public_status(status),
                    "stage": public_stage(status),
                    "date": timezone.localdate(reported_at).isoformat(),
                    "street": street or "",
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def category_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Active categories grouped by kind and major class, for a select with optgroups."""
    kind_names = dict(Kind.choices)
    groups: dict[str, list[tuple[str, str]]] = {}
    for category in (
        Category.objects.filter(is_active=True)
        .select_related("major")
        .order_by("kind", "major__code", "code")
    ):
        label = f"{kind_names.get(category.kind, category.kind)} · {category.major.name}"
        groups.setdefault(label, []).append((str(category.pk), category.name))
    return list(groups.items())


def active_category(pk: str) -> Category | None:
    return Category.objects.filter(Q(pk=pk) & Q(is_active=True)).first() if pk.isdigit() else None
