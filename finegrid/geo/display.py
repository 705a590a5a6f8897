"""Shapes and points as the map's tiles expect them.

Everything is stored in WGS-84; tiles from AMap or Tencent are in GCJ-02 and Baidu's in BD-09
(FINEGRID_MAP_TILE_CRS), so what a page draws is shifted on the way out, and points picked on
such a map are shifted back on the way in (`finegrid.geo.crs.to_wgs84`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from finegrid.geo.crs import CRS, convert_geometry


def display_crs() -> CRS:
    """The coordinate system of the configured map tiles."""
    return CRS(settings.FINEGRID_MAP_TILE_CRS)


def for_display(geometry: dict[str, Any], crs: CRS | None = None) -> dict[str, Any]:
    """A GeoJSON geometry (WGS-84) in the tiles' coordinate system."""
    crs = display_crs() if crs is None else crs
    return geometry if crs == CRS.WGS84 else convert_geometry(geometry, CRS.WGS84, crs)
