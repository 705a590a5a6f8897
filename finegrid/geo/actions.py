"""The only writers of areas and grids: versions of areas, their outlines, and the grids of a community."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from finegrid.geo.codes import validate_grid_code
from finegrid.geo.geometry import area_m2, bbox, parse_polygon, to_geojson
from finegrid.geo.models import Area, AreaClass, AreaLevel, Grid, LandUse
from finegrid.geo.version import bump_geo_version
from finegrid.org.models import Unit, User


def upsert_area(
    *,
    code: str,
    name: str,
    level: AreaLevel,
    parent: Area | None,
    area_class: AreaClass = AreaClass.ORDINARY,
    valid_from: dt.date = dt.date(2000, 1, 1),
) -> Area:
    """Create the current version of an area, or update its name, parent and class in place."""
    with transaction.atomic():
        area = Area.objects.current().filter(code=code).first() or Area(
            code=code, valid_from=valid_from
        )
        area.name = name
        area.level = level
        area.parent = parent
        area.area_class = area_class
        area.full_clean(exclude=["boundary"])
        area.save()
        bump_geo_version()
    return area


def set_area_boundary(*, area: Area, geometry: dict[str, Any]) -> Area:
    """Store an area's outline (GeoJSON, WGS-84) after checking it; GeometryError says what is wrong."""
    geom = parse_polygon(geometry)
    with transaction.atomic():
        area.boundary = to_geojson(geom)
        area.min_lon, area.min_lat, area.max_lon, area.max_lat = bbox(geom)
        area.save(update_fields=["boundary", "min_lon", "min_lat", "max_lon", "max_lat"])
        bump_geo_version()
    return area


def retire_area(*, area: Area, on: dt.date, successor: Area | None = None) -> Area:
    """End an area's validity (renumbered, merged): old cases still resolve to it by date."""
    with transaction.atomic():
        area.valid_to = on
        area.successor = successor
        area.full_clean(exclude=["boundary"])
        area.save(update_fields=["valid_to", "successor"])
        bump_geo_version()
    return area


@dataclass(frozen=True)
class GridDraft:
    """A grid before it is stored: its serial inside the community and its WGS-84 outline."""

    serial: int
    geometry: dict[str, Any]
    land_use: LandUse = LandUse.MIXED


class GridError(ValueError):
    pass


def replace_community_grids(
    *,
    community: Area,
    drafts: Sequence[GridDraft],
    valid_from: dt.date,
    responsible_unit: Unit | None = None,
    inspectors: Sequence[User] = (),
) -> list[Grid]:
    """Make these drafts the community's grids from `valid_from`; the previous grids are retired.

    Grids that only came into force on or after `valid_from` were never in use before it and are
    removed instead of retired, so regenerating twice on one day leaves a single generation.
    """
    if community.level != AreaLevel.COMMUNITY:
        raise GridError(_("网格只能属于社区：%(area)s") % {"area": community})
    codes = [f"{community.code}{d.serial:03d}" for d in drafts]
    if len(set(codes)) != len(codes):
        raise GridError(_("网格顺序码重复"))
    grids: list[Grid] = []
    with transaction.atomic():
        current = Grid.objects.current().filter(community=community)
        current.filter(valid_from__gte=valid_from).delete()
        current.filter(valid_from__lt=valid_from).update(valid_to=valid_from)
        for draft, code in zip(drafts, codes, strict=True):
            validate_grid_code(code, community_code=community.code)
            geom = parse_polygon(draft.geometry)
            min_lon, min_lat, max_lon, max_lat = bbox(geom)
            grids.append(
                Grid(
                    code=code,
                    community=community,
                    boundary=to_geojson(geom),
                    area_m2=round(area_m2(geom), 1),
                    land_use=draft.land_use,
                    responsible_unit=responsible_unit,
                    valid_from=valid_from,
                    min_lon=min_lon,
                    min_lat=min_lat,
                    max_lon=max_lon,
                    max_lat=max_lat,
                )
            )
        Grid.objects.bulk_create(grids, batch_size=500)
        if inspectors:
            through = Grid.inspectors.through
            through.objects.bulk_create(
                [through(grid_id=g.pk, user_id=u.pk) for g in grids for u in inspectors],
                batch_size=1000,
            )
        bump_geo_version()
    return grids


def assign_grids(*, within: Area, responsible_unit: Unit | None, inspectors: Sequence[User]) -> int:
    """Make a unit answerable for, and these inspectors patrol, every current grid under `within`."""
    with transaction.atomic():
        grids = Grid.objects.current().filter(code__startswith=within.code_prefix)
        count = grids.update(responsible_unit=responsible_unit)
        through = Grid.inspectors.through
        through.objects.filter(grid__in=grids).delete()
        through.objects.bulk_create(
            [
                through(grid_id=pk, user_id=u.pk)
                for pk in grids.values_list("pk", flat=True)
                for u in inspectors
            ],
            batch_size=1000,
        )
    return count
