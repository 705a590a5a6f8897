"""Areas and the point lookup: where is this, which grid, which community, street and district."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field as NinjaField
from ninja import Query, Router, Schema

from finegrid.api import schemas as s
from finegrid.api.errors import ApiError, not_found
from finegrid.api.output import area_out, grid_out
from finegrid.geo.crs import CRS, CoordinateError, to_wgs84, validate_lonlat
from finegrid.geo.models import Area, AreaLevel, Grid
from finegrid.geo.selectors import OutsideCity, locate_point

router = Router(tags=["geography"])


class AreaFilters(Schema):
    level: AreaLevel | None = None
    parent: str | None = NinjaField(None, max_length=12, description="parent area code")


def _current() -> Any:
    return Area.objects.current().select_related("parent")


@router.get("/areas", response=list[s.AreaOut], summary="行政区域 Areas")
def areas(request: HttpRequest, filters: Query[AreaFilters]) -> list[dict[str, Any]]:
    rows = _current()
    if filters.level:
        rows = rows.filter(level=filters.level)
    if filters.parent:
        rows = rows.filter(parent__code=filters.parent)
    return [a for a in (area_out(r) for r in rows.order_by("code")) if a is not None]


@router.get("/areas/{code}", response=s.AreaOut, summary="区域 Area")
def area(request: HttpRequest, code: str) -> dict[str, Any] | None:
    found = _current().filter(code=code).first()
    if found is None:
        raise not_found(_("区域不存在"))
    return area_out(found)


@router.get("/grids/{code}", response=s.GridOut, summary="单元网格 Grid")
def grid(request: HttpRequest, code: str) -> dict[str, Any] | None:
    found = (
        Grid.objects.current()
        .filter(code=code)
        .select_related("community", "responsible_unit")
        .first()
    )
    if found is None:
        raise not_found(_("网格不存在"))
    return grid_out(found)


class PointIn(Schema):
    lon: float
    lat: float
    crs: CRS = CRS.WGS84


@router.get("/locate", response=s.LocationOut, summary="坐标定位到网格 Locate a point")
def locate(request: HttpRequest, point: Query[PointIn]) -> dict[str, Any]:
    try:
        validate_lonlat(point.lon, point.lat)
        lon, lat = to_wgs84(point.lon, point.lat, point.crs)
        place = locate_point(lon=lon, lat=lat)
    except (CoordinateError, OutsideCity) as exc:
        raise ApiError(422, "invalid", str(exc), "lon") from None
    return {
        "lon": lon,
        "lat": lat,
        "grid": grid_out(place.grid),
        "community": area_out(place.community),
        "street": area_out(place.street),
        "district": area_out(place.district),
    }
