"""The staff map: outlines and grids as GeoJSON for the visible box, and 'what is here?' for a click.

Shapes are stored in WGS-84; when the configured tiles are GCJ-02 or BD-09 they are shifted for
display here, and clicked points are shifted back before lookup.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from finegrid.geo.crs import from_wgs84, to_wgs84
from finegrid.geo.display import display_crs, for_display
from finegrid.geo.models import Area, AreaLevel, Grid
from finegrid.geo.selectors import OutsideCity, locate_point

MAX_GRIDS_PER_VIEW = 4000


def _error(code: str, message: str, field: str | None = None, status: int = 400) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": code, "message": message, "field": field}}, status=status
    )


def _float(request: HttpRequest, name: str) -> float | None:
    try:
        value = float(request.GET.get(name, ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    city = Area.objects.current().filter(level=AreaLevel.CITY, boundary__isnull=False).first()
    bounds = None
    if city is not None and city.min_lon is not None:
        lon0, lat0 = from_wgs84(city.min_lon, city.min_lat, display_crs())  # type: ignore[arg-type]
        lon1, lat1 = from_wgs84(city.max_lon, city.max_lat, display_crs())  # type: ignore[arg-type]
        bounds = [lon0, lat0, lon1, lat1]
    return render(
        request,
        "web/map.html",
        {
            "bounds": bounds,
            "tile_url": settings.FINEGRID_MAP_TILE_URL,
            "attribution": settings.FINEGRID_MAP_ATTRIBUTION,
        },
    )


@login_required
def map_areas(request: HttpRequest) -> JsonResponse:
    level = request.GET.get("level", AreaLevel.DISTRICT)
    if level not in AreaLevel.values:
        return _error("invalid_level", _("未知的区域层级：%(level)s") % {"level": level}, "level")
    rows = (
        Area.objects.current()
        .filter(level=level, boundary__isnull=False)
        .values_list("code", "name", "boundary")
    )
    features = [
        {
            "type": "Feature",
            "properties": {"code": code, "name": name},
            "geometry": for_display(boundary),
        }
        for code, name, boundary in rows
        if boundary is not None
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


@login_required
def map_grids(request: HttpRequest) -> JsonResponse:
    try:
        west, south, east, north = (float(v) for v in request.GET.get("bbox", "").split(","))
    except ValueError:
        return _error("invalid_bbox", _("bbox应为“西,南,东,北”四个经纬度数值"), "bbox")
    if not (west < east and south < north) or not all(
        map(math.isfinite, (west, south, east, north))
    ):
        return _error("invalid_bbox", _("bbox应为“西,南,东,北”四个经纬度数值"), "bbox")
    # A zoomed-out map asks for more than the world; clamp before shifting from the tiles' system.
    west, east = max(west, -180.0), min(east, 180.0)
    south, north = max(south, -90.0), min(north, 90.0)
    west, south = to_wgs84(west, south, display_crs())
    east, north = to_wgs84(east, north, display_crs())
    rows = list(
        Grid.objects.current()
        .filter(min_lon__lte=east, max_lon__gte=west, min_lat__lte=north, max_lat__gte=south)
        .values_list("code", "boundary")[: MAX_GRIDS_PER_VIEW + 1]
    )
    if len(rows) > MAX_GRIDS_PER_VIEW:
        return _error("too_many", _("范围内网格过多，请放大地图"), "bbox")
    features = [
        {"type": "Feature", "properties": {"code": code}, "geometry": for_display(boundary)}
        for code, boundary in rows
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


@login_required
def map_locate(request: HttpRequest) -> JsonResponse:
    lon, lat = _float(request, "lon"), _float(request, "lat")
    if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return _error("invalid_point", _("请提供有效的经纬度 lon 和 lat"), "lon")
    lon, lat = to_wgs84(lon, lat, display_crs())
    try:
        found = locate_point(lon=lon, lat=lat)
    except OutsideCity as exc:
        return _error("outside_city", str(exc), "lon", status=404)
    grid: Grid | None = found.grid

    def area(a: Area | None) -> dict[str, str] | None:
        return None if a is None else {"code": a.code, "name": a.name}

    return JsonResponse(
        {
            "grid": None
            if grid is None
            else {
                "code": grid.code,
                "area_m2": grid.area_m2,
                "land_use": grid.get_land_use_display(),
                "responsible_unit": str(grid.responsible_unit or ""),
                "inspectors": [str(u) for u in grid.inspectors.all()],
                "boundary": for_display(grid.boundary),
            },
            "community": area(found.community),
            "street": area(found.street),
            "district": area(found.district),
        }
    )
