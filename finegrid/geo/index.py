"""The in-process spatial index: which grid, community, street and district a point lies in.

Pure Python over Shapely 2 and numpy, built from plain records (no ORM here; the Django side is
`finegrid.geo.selectors`). One `GeoIndex` answers single points, batches of points, bounding boxes
and radii for one version of the geography.

How a point is found
--------------------
Each level (grids, then communities, streets and districts for places that have no grid yet) is a
*layer*: its polygons sorted by code behind a uniform hash grid of cells about an eighth of a
typical polygon wide. At build time every cell is classified by rasterising the polygons' edges
in numpy (no Shapely call per cell) as

* empty: no polygon touches it;
* *sure*: no edge comes near it and its centre lies in a polygon, so the whole cell lies in that
  polygon (the lowest-coded, if several) and a point there needs no geometry test at all;
* *ambiguous*: an edge crosses it; it lists, in code order, the polygons that may touch it.

A single `locate` is arithmetic for the cell number and one list index; in an ambiguous cell, a
bounding-box check in Python floats and `shapely.intersects_xy` on one or two prepared polygons.
A batch runs the same steps as numpy array operations and one vectorised `intersects_xy` call over
all (point, candidate) pairs of the ambiguous cells.

Why not `STRtree.query` for points: Shapely's per-call overhead dominates single lookups. Measured
with ``benchmarks/geo_lookup.py`` on the 2-core development machine (97,840 jittered ~100 m grids,
1,710 areas, other jobs running): ``STRtree.query(Point(x, y), predicate="intersects")`` takes
15.5 µs median (the Point alone is about half), against 1.2 µs median (19 µs p99) here, where two
points in three land in a sure cell; batched, the tree gives 0.2–0.4 M points/s before choosing
one answer among the hits, against 1.0–2.0 M points/s here. The build takes 2.5–5 s and about
225 MB. The tree stays for what it does well: box and radius queries returning many polygons.

Rules
-----
* Boundaries are inclusive. A point on the shared edge (or vertex) of several polygons of one
  level resolves to the one with the **lowest code**, in single and batched lookups alike; this
  also settles overlapping polygons, which the geography should not have.
* The finest level that contains the point wins: a point in a grid takes the grid's community,
  street and district from the grid record; a point in a community without grids gets
  ``grid_code=None``; and so on up to the district. A point in none of them is outside the city
  (``None``). City-level outlines are kept only for `areas_within_bbox`.
* Coordinates are WGS-84 degrees, ``lon`` then ``lat``. NaN or infinite coordinates are outside.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

#: Levels whose outlines answer `locate` when no grid does, finest first.
LOCATE_LEVELS: Final = ("community", "street", "district")
#: Every area level an `AreaRecord` may have (the values of `finegrid.geo.models.AreaLevel`).
AREA_LEVELS: Final = ("city", "district", "street", "community")
#: The level above each one: an area record names only its parent, the chain gives the rest.
_PARENT_LEVEL: Final = {"community": "street", "street": "district", "district": "city"}

#: Hash-grid cells across a typical polygon's bounding box. Finer cells are sure more often but
#: cost memory: on the benchmark's grids 2, 4, 6, 8 give 8, 40, 56, 65 % of points in a sure cell.
_CELLS_ACROSS: Final = 8.0
#: At most this many cells per layer (~200 MB with its tuples): a city of more than ~100,000 grids,
#: or an outlier polygon far away, gets coarser cells (fewer sure ones) rather than more memory.
_MAX_CELLS: Final = 1 << 22
#: Cell boxes are grown by this fraction of a cell when classified, so that a point which floating
#: point rounding puts in the neighbouring cell is still covered by that cell's candidates.
_CELL_PAD: Final = 1e-6
#: Edges rasterised per chunk, to bound the temporary arrays of a large layer.
_EDGE_CHUNK: Final = 1 << 15
#: Batches are processed in chunks of this many points to bound temporary memory.
_CHUNK: Final = 1 << 20
#: Mean Earth radius (IUGG), for the local equirectangular metres of `within_radius`.
_EARTH_RADIUS_M: Final = 6_371_008.8
_METRES_PER_DEGREE: Final = _EARTH_RADIUS_M * math.pi / 180.0

Geometry = Any  # a Shapely geometry; Shapely ships no type information


@dataclass(frozen=True, slots=True)
class Location:
    """Where a point is: the codes of its grid and areas; a level with no polygon there is None."""

    grid_code: str | None
    community_code: str | None
    street_code: str | None
    district_code: str | None


@dataclass(frozen=True, slots=True)
class GridRecord:
    """One current unit grid as the index needs it: codes of its chain and its outline."""

    code: str
    community_code: str
    street_code: str | None
    district_code: str | None
    geometry: Geometry


@dataclass(frozen=True, slots=True)
class AreaRecord:
    """One area (city, district, street or community); `geometry` None when it has no outline yet."""

    code: str
    level: str
    parent_code: str | None
    geometry: Geometry | None


class LocationBatch:
    """The answer to `GeoIndex.locate_many`, as arrays rather than a million Python objects.

    ``ids[i]`` is the location number of point ``i`` (-1 outside the city); `codes` turns them into
    code arrays, ``batch[i]`` and `to_list` into `Location` objects shared with single lookups.
    """

    __slots__ = ("_code_tables", "_table", "ids")

    def __init__(
        self,
        ids: NDArray[np.int32],
        table: NDArray[np.object_],
        code_tables: dict[str, NDArray[np.object_]],
    ) -> None:
        self.ids = ids
        self._table = table
        self._code_tables = code_tables

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> Location | None:
        found: Location | None = self._table[self.ids[i]]
        return found

    def to_list(self) -> list[Location | None]:
        found: list[Location | None] = self._table[self.ids].tolist()
        return found

    @property
    def outside(self) -> NDArray[np.bool_]:
        """True where the point is outside the city."""
        return self.ids < 0

    def codes(self, level: str) -> NDArray[np.object_]:
        """The code of each point's ``grid``, ``community``, ``street`` or ``district``, or None."""
        try:
            table = self._code_tables[level]
        except KeyError:
            raise ValueError(f"unknown level {level!r}") from None
        return table[self.ids]


class _Shapes:
    """The polygons of one level, sorted by code, with an STRtree for box and radius queries."""

    __slots__ = ("bounds", "codes", "geoms", "tree")

    def __init__(self, codes: list[str], geoms: NDArray[np.object_]) -> None:
        order = np.argsort(np.array(codes), kind="stable")
        self.codes: list[str] = [codes[i] for i in order.tolist()]
        self.geoms: NDArray[np.object_] = geoms[order]
        shapely.prepare(self.geoms)
        self.bounds: NDArray[np.float64] = shapely.bounds(self.geoms).reshape(-1, 4)
        self.tree = shapely.STRtree(self.geoms)

    def in_bbox(self, min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> list[str]:
        if not (min_lon <= max_lon and min_lat <= max_lat):
            raise ValueError("bounding box must have min_lon <= max_lon and min_lat <= max_lat")
        hits = self.tree.query(
            shapely.box(min_lon, min_lat, max_lon, max_lat), predicate="intersects"
        )
        return [self.codes[i] for i in np.sort(hits).tolist()]

    def in_radius(self, lon: float, lat: float, metres: float) -> list[str]:
        _check_radius(lon, lat, metres)
        # Local equirectangular plane at the point's latitude: metres east = Δlon·k·cos(lat),
        # metres north = Δlat·k. Off by well under 0.1 % within a few kilometres.
        ky = _METRES_PER_DEGREE
        kx = max(ky * math.cos(math.radians(lat)), 1e-9)
        dlon, dlat = metres / kx, metres / ky
        near = self.tree.query(shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat))
        if not len(near):
            return []
        near = np.sort(near)
        origin = np.array([lon, lat])
        scale = np.array([kx, ky])
        local = shapely.transform(self.geoms[near], lambda xy: (xy - origin) * scale)
        # Distance to the polygon (0 inside it) against the exact circle, edge included.
        inside = shapely.distance(local, shapely.points(0.0, 0.0)) <= metres
        return [self.codes[i] for i in near[inside].tolist()]


class _Layer:
    """A level's polygons behind a uniform hash grid of cells (see the module docstring)."""

    __slots__ = (
        "cands",
        "cells",
        "inv_x",
        "inv_y",
        "location_ids",
        "nx",
        "ny",
        "shapes",
        "starts",
        "sure",
        "x0",
        "y0",
    )

    def __init__(
        self, shapes: _Shapes, location_ids: Sequence[int], table: Sequence[Location]
    ) -> None:
        self.shapes = shapes
        self.location_ids: NDArray[np.int32] = np.asarray(location_ids, dtype=np.int32)
        geoms, bounds = shapes.geoms, shapes.bounds
        min_x, min_y, max_x, max_y = bounds[:, 0], bounds[:, 1], bounds[:, 2], bounds[:, 3]

        # Cell size from the typical polygon, per axis (degrees of longitude are shorter).
        cell_x = max(float(np.median(max_x - min_x)) / _CELLS_ACROSS, 1e-7)
        cell_y = max(float(np.median(max_y - min_y)) / _CELLS_ACROSS, 1e-7)
        x0, y0 = float(min_x.min()), float(min_y.min())
        span_x, span_y = float(max_x.max()) - x0, float(max_y.max()) - y0
        nx, ny = int(span_x / cell_x) + 1, int(span_y / cell_y) + 1
        if nx * ny > _MAX_CELLS:
            grow = math.sqrt(nx * ny / _MAX_CELLS) * 1.01
            cell_x, cell_y = cell_x * grow, cell_y * grow
            nx, ny = int(span_x / cell_x) + 1, int(span_y / cell_y) + 1
        self.x0, self.y0, self.nx, self.ny = x0, y0, nx, ny
        self.inv_x, self.inv_y = 1.0 / cell_x, 1.0 / cell_y

        self.sure, self.starts, self.cands = _rasterise(
            geoms, x0=x0, y0=y0, inv_x=self.inv_x, inv_y=self.inv_y, nx=nx, ny=ny
        )

        # The same cells as a Python list for single lookups, which numpy scalars would slow down:
        # a Location for a sure cell, a tuple of (geometry, bbox..., Location) candidates otherwise.
        located: NDArray[np.object_] = np.empty(len(geoms), dtype=object)
        located[:] = [table[i] for i in self.location_ids.tolist()]
        cells: NDArray[np.object_] = np.empty(nx * ny, dtype=object)
        sure_cells = np.flatnonzero(self.sure >= 0)
        cells[sure_cells] = located[self.sure[sure_cells]]
        candidate = [
            (geom, *box, location)
            for geom, box, location in zip(geoms, bounds.tolist(), located, strict=True)
        ]
        # Cells along one shared edge all have the same candidates: make each distinct set once.
        count = self.starts[1:] - self.starts[:-1]
        for size in np.unique(count[count > 0]).tolist():
            of_size = np.flatnonzero(count == size)
            members = self.cands[self.starts[of_size][:, None] + np.arange(size)]
            sets, which = _unique_rows(members)
            tuples = np.fromiter(
                (tuple(candidate[i] for i in row) for row in sets.tolist()),
                dtype=object,
                count=len(sets),
            )
            cells[of_size] = tuples[which]
        self.cells: list[Any] = cells.tolist()

    def locate(self, lon: float, lat: float) -> Location | None:
        fx = (lon - self.x0) * self.inv_x
        fy = (lat - self.y0) * self.inv_y
        # Written so that NaN fails every comparison and lands outside.
        if not (0.0 <= fx < self.nx and 0.0 <= fy < self.ny):
            return None
        entry = self.cells[int(fy) * self.nx + int(fx)]
        if type(entry) is not tuple:
            found: Location | None = entry
            return found
        intersects_xy = shapely.intersects_xy
        for geom, x_min, y_min, x_max, y_max, location in entry:
            if x_min <= lon <= x_max and y_min <= lat <= y_max and intersects_xy(geom, lon, lat):
                hit: Location = location
                return hit
        return None

    def locate_many(self, lons: NDArray[np.float64], lats: NDArray[np.float64]) -> NDArray[np.intp]:
        """The polygon number containing each point (lowest code on shared edges), or -1."""
        out = np.full(len(lons), -1, dtype=np.intp)
        fx = (lons - self.x0) * self.inv_x
        fy = (lats - self.y0) * self.inv_y
        points = np.flatnonzero((fx >= 0.0) & (fx < self.nx) & (fy >= 0.0) & (fy < self.ny))
        cell = fy[points].astype(np.intp) * self.nx + fx[points].astype(np.intp)
        sure = self.sure[cell]
        out[points] = sure
        ambiguous = sure < 0
        points, cell = points[ambiguous], cell[ambiguous]
        lo = self.starts[cell]
        count = self.starts[cell + 1] - lo
        if not count.sum():
            return out
        # One row per (point, candidate), grouped by point, candidates in code order.
        point = np.repeat(points, count)
        offset = np.repeat(lo - (np.cumsum(count) - count), count) + np.arange(len(point))
        cand = self.cands[offset]
        x, y = lons[point], lats[point]
        box = self.shapes.bounds[cand]
        keep = (box[:, 0] <= x) & (x <= box[:, 2]) & (box[:, 1] <= y) & (y <= box[:, 3])
        point, cand, x, y = point[keep], cand[keep], x[keep], y[keep]
        hit = shapely.intersects_xy(self.shapes.geoms[cand], x, y)
        point, cand = point[hit], cand[hit]
        first = np.ones(len(point), dtype=bool)
        first[1:] = point[1:] != point[:-1]
        out[point[first]] = cand[first]
        return out


def _unique_rows(rows: NDArray[np.int32]) -> tuple[NDArray[np.int32], NDArray[np.intp]]:
    """The distinct rows and, for each row, the number of its distinct row (np.unique(axis=0),
    ten times faster by one lexsort)."""
    order = np.lexsort(rows.T[::-1])
    ordered = rows[order]
    change = np.ones(len(rows), dtype=bool)
    change[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    which = np.empty(len(rows), dtype=np.intp)
    which[order] = np.cumsum(change) - 1
    return ordered[change], which


def _expand(
    lo: NDArray[np.intp], hi: NDArray[np.intp]
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Every (row number, value) for value in lo..hi inclusive of each row; empty ranges vanish."""
    count = np.maximum(hi - lo + 1, 0)
    which = np.repeat(np.arange(len(lo), dtype=np.intp), count)
    step = np.arange(len(which), dtype=np.intp) - np.repeat(np.cumsum(count) - count, count)
    return which, lo[which] + step


def _edges(
    geoms: NDArray[np.object_],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.intp]]:
    """Every ring edge of the polygons as start and end points, with its polygon, in polygon order."""
    kind, coords, offsets = shapely.to_ragged_array(geoms, include_z=False)
    ring_offsets = offsets[0]
    rings_per_polygon = np.diff(offsets[1])
    if int(kind) == int(shapely.GeometryType.MULTIPOLYGON):
        polygons_per_geom = np.diff(offsets[2])
        polygon_owner = np.repeat(np.arange(len(polygons_per_geom)), polygons_per_geom)
        ring_owner = np.repeat(polygon_owner, rings_per_polygon)
    else:
        ring_owner = np.repeat(np.arange(len(rings_per_polygon)), rings_per_polygon)
    coord_owner = np.repeat(ring_owner, np.diff(ring_offsets))
    # An edge joins a coordinate to the next one of the same ring (rings are closed).
    last = np.zeros(len(coords), dtype=bool)
    last[ring_offsets[1:] - 1] = True
    start = np.flatnonzero(~last)
    return coords[start], coords[start + 1], coord_owner[start]


def _rasterise(
    geoms: NDArray[np.object_],
    *,
    x0: float,
    y0: float,
    inv_x: float,
    inv_y: float,
    nx: int,
    ny: int,
) -> tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.int32]]:
    """Classify the cells of a uniform grid against polygons sorted by code, in numpy alone.

    Returns ``sure`` (per cell, the lowest-coded polygon containing the whole cell when no polygon
    edge comes near it, else -1) and, for the cells an edge crosses, the polygons that may touch
    them in code order as CSR arrays ``starts``/``cands``. A polygon touching a cell either has an
    edge crossing it or contains it whole, hence its centre: the candidates are the owners of the
    crossing edges and the polygons containing the centre (an even-odd scanline fill).

    Work is in cell units. Cells are padded by `_CELL_PAD` and the rounding of each edge clip is
    bounded, so floating point can only make a cell ambiguous (slower), never wrongly sure.
    """
    n, ncells = len(geoms), nx * ny
    start, end, owner = _edges(geoms)
    ua, va = (start[:, 0] - x0) * inv_x, (start[:, 1] - y0) * inv_y
    ub, vb = (end[:, 0] - x0) * inv_x, (end[:, 1] - y0) * inv_y
    del start, end
    # Chunks of edges ending on a polygon boundary, so each polygon's scanline is complete.
    cuts = np.searchsorted(owner, owner[_EDGE_CHUNK::_EDGE_CHUNK], side="right")
    bounds = np.unique(np.concatenate(([0], cuts, [len(owner)])))

    crossed = np.zeros(ncells, dtype=bool)
    crossed_keys: list[NDArray[np.int64]] = []
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        cell, own = _edge_cells(ua[lo:hi], va[lo:hi], ub[lo:hi], vb[lo:hi], owner[lo:hi], nx, ny)
        crossed[cell] = True
        crossed_keys.append(cell * n + own)
    lowest = np.full(ncells, n, dtype=np.int32)
    inside_keys: list[NDArray[np.int64]] = []
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        cell, own = _inside_cells(ua[lo:hi], va[lo:hi], ub[lo:hi], vb[lo:hi], owner[lo:hi], nx, ny)
        np.minimum.at(lowest, cell, own)
        near = crossed[cell]
        inside_keys.append(cell[near] * n + own[near])

    # Sure where no edge comes near; candidates (deduplicated, in code order) where one does.
    sure = np.where(~crossed & (lowest < n), lowest, -1).astype(np.int32)
    keys = np.concatenate([*crossed_keys, *inside_keys, np.empty(0, dtype=np.int64)])
    del crossed_keys, inside_keys
    keys.sort()  # faster here than np.unique, which hashes first
    keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys
    starts = np.zeros(ncells + 1, dtype=np.int32)
    np.cumsum(np.bincount(keys // n, minlength=ncells), out=starts[1:])
    return sure, starts, (keys % n).astype(np.int32)


def _edge_cells(
    ua: NDArray[np.float64],
    va: NDArray[np.float64],
    ub: NDArray[np.float64],
    vb: NDArray[np.float64],
    owner: NDArray[np.intp],
    nx: int,
    ny: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The (padded) cells each edge passes through: per column slab it spans, the rows there."""
    eps = _CELL_PAD
    lo_v, hi_v = np.minimum(va, vb), np.maximum(va, vb)
    col_lo = np.clip(np.floor(np.minimum(ua, ub) - eps), 0, nx - 1).astype(np.intp)
    col_hi = np.clip(np.floor(np.maximum(ua, ub) + eps), 0, nx - 1).astype(np.intp)
    edge, col = _expand(col_lo, col_hi)
    a_u, a_v = ua[edge], va[edge]
    du, dv = ub[edge] - a_u, vb[edge] - a_v
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        t0 = (col - eps - a_u) / du
        t1 = (col + (1.0 + eps) - a_u) / du
        # The clip's rounding grows as the edge turns vertical: widen by a bound of it.
        slack = 1e-15 * (col + np.abs(a_u) + 2.0) * np.abs(dv / du)
        t_lo = np.clip(np.minimum(t0, t1), 0.0, 1.0)
        t_hi = np.clip(np.maximum(t0, t1), 0.0, 1.0)
        v_a, v_b = a_v + t_lo * dv, a_v + t_hi * dv
        seg_lo = np.maximum(np.minimum(v_a, v_b) - slack, lo_v[edge])
        seg_hi = np.minimum(np.maximum(v_a, v_b) + slack, hi_v[edge])
    steep = ~(np.isfinite(slack) & np.isfinite(seg_lo) & np.isfinite(seg_hi))
    seg_lo[steep] = lo_v[edge][steep]
    seg_hi[steep] = hi_v[edge][steep]
    row_lo = np.clip(np.floor(seg_lo - eps), 0, ny - 1).astype(np.intp)
    row_hi = np.clip(np.floor(seg_hi + eps), 0, ny - 1).astype(np.intp)
    which, row = _expand(row_lo, row_hi)
    return (row * nx + col[which]).astype(np.int64), owner[edge[which]].astype(np.int64)


def _inside_cells(
    ua: NDArray[np.float64],
    va: NDArray[np.float64],
    ub: NDArray[np.float64],
    vb: NDArray[np.float64],
    owner: NDArray[np.intp],
    nx: int,
    ny: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The cells whose centre is inside each polygon (even-odd), for whole polygons' edges.

    Where each edge crosses a row's centre line (half-open in v, so a shared vertex counts once
    and level edges not at all), sorted per polygon and row: entering and leaving in pairs.
    """
    lo_v, hi_v = np.minimum(va, vb), np.maximum(va, vb)
    first_row = np.clip(np.ceil(lo_v - 0.5), 0, ny).astype(np.intp)
    end_row = np.clip(np.ceil(hi_v - 0.5), 0, ny).astype(np.intp)
    edge, row = _expand(first_row, end_row - 1)
    a_u, a_v = ua[edge], va[edge]
    cross = a_u + (row + 0.5 - a_v) * ((ub[edge] - a_u) / (vb[edge] - a_v))
    # Clamped to the edge: a nearly level edge's crossing is ill-conditioned, but stays on it.
    cross = np.clip(cross, np.minimum(a_u, ub[edge]), np.maximum(a_u, ub[edge]))
    own = owner[edge]
    order = np.lexsort((cross, row, own))
    cross, row, own = cross[order], row[order], own[order]
    first_col = np.clip(np.floor(cross[0::2] - 0.5) + 1, 0, nx).astype(np.intp)
    last_col = np.clip(np.ceil(cross[1::2] - 0.5) - 1, -1, nx - 1).astype(np.intp)
    run, col = _expand(first_col, last_col)
    return (row[0::2][run] * nx + col).astype(np.int64), own[0::2][run].astype(np.int64)


class GeoIndex:
    """Point, box and radius lookups over one version of the city's grids and areas.

    Build it with `GeoIndex.build`; it is immutable afterwards and safe to share between threads.
    """

    def __init__(
        self,
        *,
        version: int,
        table: list[Location],
        layers: list[_Layer],
        shapes: dict[str, _Shapes],
    ) -> None:
        self.version = version
        self._layers = layers
        self._shapes = shapes
        self._table: NDArray[np.object_] = np.empty(len(table) + 1, dtype=object)
        self._table[: len(table)] = table  # the last slot stays None: ids of -1 index it
        self._code_tables: dict[str, NDArray[np.object_]] = {}
        for level in ("grid", "community", "street", "district"):
            codes: NDArray[np.object_] = np.empty(len(table) + 1, dtype=object)
            codes[: len(table)] = [getattr(loc, f"{level}_code") for loc in table]
            self._code_tables[level] = codes

    @classmethod
    def build(
        cls, grids: Iterable[GridRecord], areas: Iterable[AreaRecord], version: int
    ) -> GeoIndex:
        """Index these grids and areas; codes must be unique within a level (ValueError if not)."""
        # The build allocates millions of small tuples that can never form cycles; the cyclic
        # collector would rescan them over and over (a third of the build time at 100,000 grids).
        collecting = gc.isenabled()
        gc.disable()
        try:
            return cls._build(grids, areas, version)
        finally:
            if collecting:
                gc.enable()

    @classmethod
    def _build(
        cls, grids: Iterable[GridRecord], areas: Iterable[AreaRecord], version: int
    ) -> GeoIndex:
        grid_list = list(grids)
        area_by_code: dict[str, AreaRecord] = {}
        for area in areas:
            if area.level not in AREA_LEVELS:
                raise ValueError(f"area {area.code} has unknown level {area.level!r}")
            if area.code in area_by_code:
                raise ValueError(f"area code {area.code} appears twice")
            area_by_code[area.code] = area

        table: list[Location] = []
        layers: list[_Layer] = []
        shapes: dict[str, _Shapes] = {}

        grid_codes = [g.code for g in grid_list]
        if len(set(grid_codes)) != len(grid_codes):
            raise ValueError("grid codes must be unique")
        outlined = _outlined(grid_codes, [g.geometry for g in grid_list])
        if outlined is not None:
            shapes["grid"] = grid_shapes = _Shapes(*outlined)
            by_code = {g.code: g for g in grid_list}
            for code in grid_shapes.codes:
                g = by_code[code]
                table.append(Location(code, g.community_code, g.street_code, g.district_code))
            layers.append(_Layer(grid_shapes, range(len(table)), table))

        for level in (*LOCATE_LEVELS, "city"):
            of_level = [a for a in area_by_code.values() if a.level == level]
            outlined = _outlined([a.code for a in of_level], [a.geometry for a in of_level])
            if outlined is None:
                continue
            shapes[level] = level_shapes = _Shapes(*outlined)
            if level == "city":
                continue
            first = len(table)
            table.extend(_area_location(area_by_code, code) for code in level_shapes.codes)
            layers.append(_Layer(level_shapes, range(first, len(table)), table))
        return cls(version=version, table=table, layers=layers, shapes=shapes)

    def __repr__(self) -> str:
        counts = ", ".join(f"{level}={len(s.codes)}" for level, s in self._shapes.items())
        return f"<GeoIndex version={self.version} {counts}>"

    def locate(self, lon: float, lat: float) -> Location | None:
        """The grid and areas at this point, or None outside the city."""
        for layer in self._layers:
            found = layer.locate(lon, lat)
            if found is not None:
                return found
        return None

    def locate_many(self, lons: ArrayLike, lats: ArrayLike) -> LocationBatch:
        """`locate` for many points at once, vectorised; ``batch[i]`` equals ``locate(lons[i], lats[i])``."""
        x = np.ascontiguousarray(lons, dtype=np.float64)
        y = np.ascontiguousarray(lats, dtype=np.float64)
        if x.ndim != 1 or x.shape != y.shape:
            raise ValueError("lons and lats must be one-dimensional and of the same length")
        ids = np.full(len(x), -1, dtype=np.int32)
        for start in range(0, len(x), _CHUNK):
            stop = start + _CHUNK
            ids[start:stop] = self._locate_chunk(x[start:stop], y[start:stop])
        return LocationBatch(ids, self._table, self._code_tables)

    def _locate_chunk(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int32]:
        ids = np.full(len(x), -1, dtype=np.int32)
        todo = np.arange(len(x))
        for layer in self._layers:
            poly = layer.locate_many(x[todo], y[todo])
            hit = poly >= 0
            ids[todo[hit]] = layer.location_ids[poly[hit]]
            todo = todo[~hit]
            if not len(todo):
                break
        return ids

    def within_bbox(
        self, min_lon: float, min_lat: float, max_lon: float, max_lat: float
    ) -> list[str]:
        """Codes of the grids touching this box (edges included), sorted."""
        return self.areas_within_bbox("grid", min_lon, min_lat, max_lon, max_lat)

    def areas_within_bbox(
        self, level: str, min_lon: float, min_lat: float, max_lon: float, max_lat: float
    ) -> list[str]:
        """Codes of the outlined areas of `level` (or ``"grid"``) touching this box, sorted."""
        if level not in ("grid", *AREA_LEVELS):
            raise ValueError(f"unknown level {level!r}")
        shapes = self._shapes.get(level)
        if shapes is None:
            if not (min_lon <= max_lon and min_lat <= max_lat):
                raise ValueError("bounding box must have min_lon <= max_lon and min_lat <= max_lat")
            return []
        return shapes.in_bbox(min_lon, min_lat, max_lon, max_lat)

    def within_radius(self, lon: float, lat: float, metres: float) -> list[str]:
        """Codes of the grids within `metres` of the point (touching the circle counts), sorted.

        Distances are measured in a local equirectangular plane at the point's latitude, exactly
        against the circle (not a polygonal buffer).
        """
        shapes = self._shapes.get("grid")
        if shapes is None:
            _check_radius(lon, lat, metres)
            return []
        return shapes.in_radius(lon, lat, metres)

    def count(self, level: str) -> int:
        """How many outlined polygons of `level` (``"grid"`` or an area level) are indexed."""
        shapes = self._shapes.get(level)
        return 0 if shapes is None else len(shapes.codes)


def _check_radius(lon: float, lat: float, metres: float) -> None:
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise ValueError("the centre must have finite coordinates")
    if not (math.isfinite(metres) and metres >= 0):
        raise ValueError("radius must be a finite number of metres >= 0")


def _outlined(
    codes: list[str], geometries: list[Geometry | None]
) -> tuple[list[str], NDArray[np.object_]] | None:
    """The codes and geometries that have an outline, or None when none has; polygons only."""
    geoms: NDArray[np.object_] = np.empty(len(geometries), dtype=object)
    geoms[:] = geometries
    keep = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    if not keep.any():
        return None
    geoms = geoms[keep]
    # Polygon and MultiPolygon only: the rasteriser's even-odd fill needs closed rings.
    bad = ~np.isin(shapely.get_type_id(geoms), (3, 6))
    if bad.any():
        kept = [c for c, k in zip(codes, keep.tolist(), strict=True) if k]
        raise ValueError(f"{kept[int(np.argmax(bad))]}: outline is not a polygon")
    return [c for c, k in zip(codes, keep.tolist(), strict=True) if k], geoms


def _area_location(area_by_code: dict[str, AreaRecord], code: str) -> Location:
    """The Location of a point in this area and no finer polygon: its own code and its ancestors'."""
    found: dict[str, str] = {}
    area: AreaRecord | None = area_by_code[code]
    level: str | None = area.level if area else None
    node: str | None = code
    # Walk up by parent codes; a parent missing from the records still names its own level.
    while node is not None and level is not None and level not in found:
        found[level] = node
        area = area_by_code.get(node)
        node = area.parent_code if area else None
        level = _PARENT_LEVEL.get(level)
    return Location(None, found.get("community"), found.get("street"), found.get("district"))
