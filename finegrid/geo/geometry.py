"""Geometry checks and measures: parse GeoJSON, refuse bad polygons with a reason, metres on the ground."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import shapely
from django.utils.translation import gettext as _
from pyproj import Transformer
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

#: Mainland China and its seas, generously: a coordinate outside this box is certainly misplaced.
CHINA_BBOX = (73.0, 3.0, 136.0, 54.0)


class GeometryError(ValueError):
    """A geometry we refuse; the message says why in the user's language."""


def parse_polygon(geojson: Any) -> BaseGeometry:
    """A valid, non-empty Polygon or MultiPolygon from a GeoJSON geometry object, or GeometryError."""
    if not isinstance(geojson, dict) or "type" not in geojson:
        raise GeometryError(_("不是GeoJSON几何对象"))
    if geojson["type"] not in ("Polygon", "MultiPolygon"):
        raise GeometryError(
            _("几何类型应为Polygon或MultiPolygon，实际为%(type)s") % {"type": geojson["type"]}
        )
    try:
        geom = shape(geojson)
    except (ValueError, TypeError, IndexError, AttributeError) as exc:
        raise GeometryError(_("几何坐标格式错误：%(error)s") % {"error": exc}) from None
    if geom.is_empty:
        raise GeometryError(_("多边形为空"))
    if not all(math.isfinite(v) for v in geom.bounds):
        raise GeometryError(_("坐标含有非数值"))
    # Where the shape lies first: a swapped file fails every later check for a misleading reason.
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    c_min_lon, c_min_lat, c_max_lon, c_max_lat = CHINA_BBOX
    if min_lon < c_min_lon or max_lon > c_max_lon or min_lat < c_min_lat or max_lat > c_max_lat:
        if (
            c_min_lon <= min_lat
            and max_lat <= c_max_lon
            and c_min_lat <= min_lon
            and max_lon <= c_max_lat
        ):
            raise GeometryError(_("坐标不在中国境内，经纬度似乎写反了（应为[经度, 纬度]）"))
        if min_lon < -180 or max_lon > 180 or min_lat < -90 or max_lat > 90:
            raise GeometryError(_("坐标超出经纬度范围，可能不是经纬度坐标"))
        raise GeometryError(
            _("坐标不在中国境内（%(lon).5f, %(lat).5f）") % {"lon": min_lon, "lat": min_lat}
        )
    if not geom.is_valid:
        raise GeometryError(_("多边形无效：%(reason)s") % {"reason": explain_validity(geom)})
    if geom.area == 0:
        raise GeometryError(_("多边形为空"))
    return geom


def to_geojson(geom: BaseGeometry, *, precision: int = 7) -> dict[str, Any]:
    """GeoJSON geometry with coordinates rounded to ~1 cm, as stored."""
    rounded = shapely.set_precision(geom, 10**-precision) if precision else geom
    return dict(mapping(rounded))


def bbox(geom: BaseGeometry) -> tuple[float, float, float, float]:
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    return float(min_lon), float(min_lat), float(max_lon), float(max_lat)


@lru_cache(maxsize=64)
def equal_area_plane(lon0: float, lat0: float) -> tuple[Transformer, Transformer]:
    local = f"+proj=laea +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m +no_defs"
    return (
        Transformer.from_crs("EPSG:4326", local, always_xy=True),
        Transformer.from_crs(local, "EPSG:4326", always_xy=True),
    )


def metric_transformers(geom: BaseGeometry) -> tuple[Transformer, Transformer]:
    """Forward and inverse transformers to a local equal-area plane in metres around the geometry.

    The centre is rounded to 0.1° so neighbouring features share a plane (and the cache).
    """
    centre = geom.centroid
    return equal_area_plane(round(centre.x, 1), round(centre.y, 1))


def to_metres(geom: BaseGeometry, forward: Transformer) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: _apply(forward, xy))


def to_degrees(geom: BaseGeometry, inverse: Transformer) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: _apply(inverse, xy))


def _apply(transformer: Transformer, xy: Any) -> Any:
    import numpy as np

    x, y = transformer.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def area_m2(geom: BaseGeometry) -> float:
    forward, _inverse = metric_transformers(geom)
    return float(to_metres(geom, forward).area)
