"""Exporting current areas and unit grids as GeoJSON FeatureCollections (RFC 7946, WGS-84).

An area export read back by `imports.import_boundaries` matches every feature to the area it came
from and changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.utils.translation import gettext as _

from finegrid.geo.models import Area, AreaLevel, Grid


class ExportError(ValueError):
    """The export was asked for something that does not exist; the message says what."""


def export_areas_geojson(
    *, level: AreaLevel | None = None, parent_code: str | None = None
) -> dict[str, Any]:
    """Current areas, optionally of one level and only those below the area `parent_code`.

    Areas without an outline are included with a null geometry (RFC 7946 §3.2), so a list of
    codes and names is complete even before outlines are imported.
    """
    areas = list(Area.objects.current().select_related("parent").order_by("code"))
    if parent_code is not None:
        within = _current_area(parent_code, areas)
        below = _descendant_ids(within, areas) - {within.pk}
        areas = [a for a in areas if a.pk in below]
    if level is not None:
        areas = [a for a in areas if a.level == level]
    return _collection(
        {
            "type": "Feature",
            "id": area.code,
            "geometry": area.boundary,
            "properties": {
                "code": area.code,
                "name": area.name,
                "level": area.level,
                "parent_code": area.parent.code if area.parent else None,
                "area_class": area.area_class,
                "valid_from": area.valid_from.isoformat(),
            },
        }
        for area in areas
    )


def export_grids_geojson(*, within_code: str | None = None) -> dict[str, Any]:
    """Current unit grids, optionally only those inside the area `within_code` (any level)."""
    grids = (
        Grid.objects.current()
        .select_related("community", "responsible_unit")
        .prefetch_related("inspectors")
        .order_by("code")
    )
    if within_code is not None:
        areas = list(Area.objects.current().only("pk", "code", "parent_id"))
        inside = _descendant_ids(_current_area(within_code, areas), areas)
        grids = grids.filter(community_id__in=inside)
    return _collection(
        {
            "type": "Feature",
            "id": grid.code,
            "geometry": grid.boundary,
            "properties": {
                "code": grid.code,
                "community_code": grid.community.code,
                "area_m2": grid.area_m2,
                "land_use": grid.land_use,
                "responsible_unit": grid.responsible_unit.name if grid.responsible_unit else None,
                "inspectors": sorted(str(user) for user in grid.inspectors.all()),
                "valid_from": grid.valid_from.isoformat(),
            },
        }
        for grid in grids
    )


def _collection(features: Any) -> dict[str, Any]:
    # No `crs` member: RFC 7946 coordinates are WGS-84 longitude/latitude by definition.
    return {"type": "FeatureCollection", "features": list(features)}


def _current_area(code: str, areas: list[Area]) -> Area:
    for area in areas:
        if area.code == code:
            return area
    raise ExportError(_("没有代码为 %(code)s 的现行区域") % {"code": code})


def _descendant_ids(root: Area, areas: list[Area]) -> set[int]:
    """The root and every current area below it, following parents rather than code prefixes."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for area in areas:
        children[area.parent_id].append(area.pk)
    found: set[int] = set()
    stack = [root.pk]
    while stack:
        pk = stack.pop()
        found.add(pk)
        stack.extend(children[pk])
    return found
