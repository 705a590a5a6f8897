"""Where a point is, from the database: the process's `GeoIndex`, kept in step with the geography
version, and the selectors that answer with `Grid` and `Area` rows (point, batch, box, radius).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar

import numpy as np
import shapely
from django.db.models import Max, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from numpy.typing import ArrayLike

from finegrid.geo.index import AreaRecord, GeoIndex, GridRecord, Location
from finegrid.geo.models import Area, AreaLevel, GeoVersion, Grid

logger = logging.getLogger(__name__)

#: Codes per ``code__in`` query: far below every backend's limit on query parameters.
_CODES_PER_QUERY: Final = 500
#: Indexes of past dates kept per process (old cases come in bursts from a few periods).
_DATED_KEPT: Final = 4

#: What identifies one state of the geography: the version number and the time its row changed,
#: so that a counter that went back (a rolled-back transaction, a restored backup) and climbed to
#: the same number again is not taken for the same state. That needs `bump_geo_version` to stamp
#: ``changed_at``; until it does, the number alone decides.
_Token = tuple[int, dt.datetime | None]

_lock = threading.Lock()
_current: tuple[_Token, GeoIndex] | None = None
_dated: OrderedDict[tuple[_Token, dt.date], GeoIndex] = OrderedDict()


class OutsideCity(LookupError):
    """The point is in no grid or area of the city; the message says so in the user's language."""

    def __init__(self, lon: float, lat: float) -> None:
        self.lon = lon
        self.lat = lat
        super().__init__(_("坐标(%(lon).5f, %(lat).5f)不在本市范围内") % {"lon": lon, "lat": lat})


@dataclass(frozen=True)
class ResolvedLocation:
    """The rows a point lies in; a level without an outline there (or without grids) is None."""

    grid: Grid | None
    community: Area | None
    street: Area | None
    district: Area | None


def current_index() -> GeoIndex:
    """The index of the current grids and areas (``valid_to IS NULL``), built once per process.

    Every call costs one small query for the geography version and rebuilds the index when it
    changed (a version number, not a timer: a change is seen by the next call, in every process).
    Code that looks up many points in a loop should call this once and hold the index.
    """
    global _current
    token = _version_token()
    cached = _current
    if cached is not None and cached[0] == token:
        return cached[1]
    with _lock:  # one build at a time; the others wait and take its result
        cached = _current
        if cached is not None and cached[0] == token:
            return cached[1]
        index = build_index(version=token[0])
        _current = (token, index)
        return index


def index_on(day: dt.date) -> GeoIndex:
    """The index of the grids and areas valid on `day`, for old cases filed under older areas.

    Indexes are cached by the span of dates over which no area or grid starts or ends, so every
    day of one stable period shares one build (two small aggregate queries per call).
    """
    token = _version_token()
    key = (token, _period_start(day))
    with _lock:
        index = _dated.get(key)
        if index is None:
            index = build_index(version=token[0], on=day)
            _dated[key] = index
            while len(_dated) > _DATED_KEPT:
                _dated.popitem(last=False)
        _dated.move_to_end(key)
        return index


def clear_index_cache() -> None:
    """Forget every built index (tests; after writing geography outside `finegrid.geo.actions`)."""
    global _current
    with _lock:
        _current = None
        _dated.clear()


def build_index(*, version: int, on: dt.date | None = None) -> GeoIndex:
    """Build an index from the rows current now (`on` None) or valid on a date; not cached.

    Reads plain rows (``values_list``) and the outlines as JSON text parsed by Shapely in one
    vectorised call: at city scale model instances and per-row parsing would dominate the build.
    """
    started = time.perf_counter()
    # The outlines stay in the index: rows here carry names and codes, not megabytes of GeoJSON.
    grids = (Grid.objects.current() if on is None else Grid.objects.valid_on(on)).defer("boundary")
    areas = (Area.objects.current() if on is None else Area.objects.valid_on(on)).defer("boundary")
    grid_rows = list(
        grids.values_list(
            "code",
            "community__code",
            "community__parent__code",
            "community__parent__parent__code",
            Cast("boundary", output_field=TextField()),
        )
    )
    area_rows = list(
        areas.values_list(
            "code", "level", "parent__code", Cast("boundary", output_field=TextField())
        )
    )
    grid_shapes = _parse_outlines([row[4] for row in grid_rows], [row[0] for row in grid_rows])
    area_shapes = _parse_outlines([row[3] for row in area_rows], [row[0] for row in area_rows])
    index = GeoIndex.build(
        (
            GridRecord(code, community, street, district, shape)
            for (code, community, street, district, _text), shape in zip(
                grid_rows, grid_shapes, strict=True
            )
        ),
        (
            AreaRecord(code, level, parent, shape)
            for (code, level, parent, _text), shape in zip(area_rows, area_shapes, strict=True)
        ),
        version=version,
    )
    logger.info(
        "geo index version %s%s: %d grids, %d areas in %.2f s",
        version,
        f" on {on.isoformat()}" if on else "",
        len(grid_rows),
        len(area_rows),
        time.perf_counter() - started,
    )
    return index


def locate_point(*, lon: float, lat: float, on: dt.date | None = None) -> ResolvedLocation:
    """The grid and areas at a WGS-84 point, now or as they were on a date; OutsideCity if none."""
    index = current_index() if on is None else index_on(on)
    location = index.locate(lon, lat)
    if location is None:
        raise OutsideCity(lon, lat)
    resolved = _resolve([location], on=on)[0]
    assert resolved is not None
    return resolved


def locate_points(
    *, lons: ArrayLike, lats: ArrayLike, on: dt.date | None = None
) -> list[ResolvedLocation | None]:
    """`locate_point` for many points (imports, the simulator): None for each point outside.

    One vectorised lookup and two queries in all; points in the same grid share one result.
    """
    index = current_index() if on is None else index_on(on)
    return _resolve(index.locate_many(lons, lats).to_list(), on=on)


def grids_in_bbox(*, min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> list[Grid]:
    """The current grids touching a box (a map's view), by code."""
    codes = current_index().within_bbox(min_lon, min_lat, max_lon, max_lat)
    return _by_codes(Grid.objects.current(), codes)


def grids_within_radius(*, lon: float, lat: float, metres: float) -> list[Grid]:
    """The current grids within `metres` of a point (edges included), by code."""
    codes = current_index().within_radius(lon, lat, metres)
    return _by_codes(Grid.objects.current(), codes)


def areas_in_bbox(
    *, level: AreaLevel, min_lon: float, min_lat: float, max_lon: float, max_lat: float
) -> list[Area]:
    """The current outlined areas of one level touching a box, by code."""
    codes = current_index().areas_within_bbox(level, min_lon, min_lat, max_lon, max_lat)
    return _by_codes(Area.objects.current().filter(level=level), codes)


def _version_token() -> _Token:
    row = GeoVersion.objects.filter(pk=1).values_list("version", "changed_at").first()
    return (0, None) if row is None else (row[0], row[1])


def _period_start(day: dt.date) -> dt.date:
    """The last date on or before `day` when an area or grid started or ended its validity."""
    starts: list[dt.date] = []
    for model in (Area, Grid):
        found = model.objects.aggregate(
            started=Max("valid_from", filter=Q(valid_from__lte=day)),
            ended=Max("valid_to", filter=Q(valid_to__lte=day)),
        )
        starts.extend(d for d in found.values() if d is not None)
    return max(starts, default=dt.date.min)


def _parse_outlines(texts: Sequence[str | None], codes: Sequence[str]) -> list[Any]:
    """Shapely geometries from GeoJSON texts in one call; a missing or broken outline is None."""
    if not texts:
        return []
    array = np.empty(len(texts), dtype=object)
    array[:] = texts
    shapes = shapely.from_geojson(array, on_invalid="ignore")
    broken = [
        code
        for code, text, shape in zip(codes, texts, shapes, strict=True)
        if text is not None and text != "null" and shape is None
    ]
    if broken:
        # One bad outline must not take point lookup away from the whole city; say which.
        logger.warning("geo index skips %d unreadable outlines: %s", len(broken), broken[:20])
    parsed: list[Any] = shapes.tolist()
    return parsed


_Row = TypeVar("_Row", Grid, Area)


def _by_codes(queryset: QuerySet[_Row], codes: Iterable[str]) -> list[_Row]:
    return sorted(_fetch(queryset, codes), key=lambda row: row.code)


def _fetch(queryset: QuerySet[_Row], codes: Iterable[str]) -> Iterator[_Row]:
    wanted = sorted(set(codes))
    for i in range(0, len(wanted), _CODES_PER_QUERY):
        yield from queryset.filter(code__in=wanted[i : i + _CODES_PER_QUERY])


def _resolve(
    locations: Sequence[Location | None], *, on: dt.date | None
) -> list[ResolvedLocation | None]:
    """The rows behind the codes, fetched once per distinct code, valid then (or now)."""
    distinct = {loc for loc in locations if loc is not None}
    grids = Grid.objects.current() if on is None else Grid.objects.valid_on(on)
    areas = Area.objects.current() if on is None else Area.objects.valid_on(on)
    grid_by_code = {
        g.code: g for g in _fetch(grids, (loc.grid_code for loc in distinct if loc.grid_code))
    }
    area_codes = {
        code
        for loc in distinct
        for code in (loc.community_code, loc.street_code, loc.district_code)
        if code
    }
    area_by_code = {a.code: a for a in _fetch(areas, area_codes)}

    def rows(loc: Location) -> ResolvedLocation:
        return ResolvedLocation(
            grid=grid_by_code.get(loc.grid_code) if loc.grid_code else None,
            community=area_by_code.get(loc.community_code) if loc.community_code else None,
            street=area_by_code.get(loc.street_code) if loc.street_code else None,
            district=area_by_code.get(loc.district_code) if loc.district_code else None,
        )

    resolved = {loc: rows(loc) for loc in distinct}
    return [None if loc is None else resolved[loc] for loc in locations]
