"""Point lookup: the pure GeoIndex on a small synthetic city, then the selectors over the database.

The synthetic city 980100 lies near (120.3, 31.5), away from the demo city 990100 (near 116.9, 33.0):

    y4 +-----------+-----------+-----+      district 980102, 2.5 km × 2 km
       | 001 | 002 | 001 | 002 |     |      west street 980102001: communities 001 (north),
    y3 +-- W-N ----+-- E-N ----+ E-X |                                         002 (south)
       | 003 | 004 | 003 | 004 |     |      east street 980102002: communities 001 (north),
    y2 +-----------+-----------+ (no |                                         002 (south),
       | 001 | 002 | 001 | 002 | grid|                                         003 "E-X" (no grids)
    y1 +-- W-S ----+-- E-S ----+  s) |
       | 003 | 004 | 003 | 004 |     |      grids 500 m × 500 m, serials west→east, north→south
    y0 +-----------+-----------+-----+
       x0    x1    x2    x3    x4    x5

Coordinates are whole multiples of 1e-7° so that the 1 cm rounding of stored outlines keeps every
shared edge exact, and points put on an edge in a test are exactly on it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import shapely

from finegrid.geo import selectors
from finegrid.geo.actions import (
    GridDraft,
    replace_community_grids,
    retire_area,
    set_area_boundary,
    upsert_area,
)
from finegrid.geo.index import AreaRecord, GeoIndex, GridRecord, Location, _rasterise
from finegrid.geo.models import Area, AreaLevel
from finegrid.geo.selectors import (
    OutsideCity,
    areas_in_bbox,
    clear_index_cache,
    current_index,
    grids_in_bbox,
    grids_within_radius,
    locate_point,
    locate_points,
)
from finegrid.geo.version import bump_geo_version

LAT0 = 31.5
METRES_PER_DEGREE = 6_371_008.8 * math.pi / 180
# 500 m in units of 1e-7°, east and north, at the city's latitude.
STEP_X = round(500 / (METRES_PER_DEGREE * math.cos(math.radians(LAT0))) * 1e7)
STEP_Y = round(500 / METRES_PER_DEGREE * 1e7)


def x(k: float) -> float:
    """Longitude of the k-th 500 m line from the west edge (fractions for points inside)."""
    return (1_203_000_000 + round(k * STEP_X)) / 1e7


def y(k: float) -> float:
    return (315_000_000 + round(k * STEP_Y)) / 1e7


def rect(k0: int, l0: int, k1: int, l1: int) -> Any:
    return shapely.box(x(k0), y(l0), x(k1), y(l1))


DISTRICT = "980102"
WEST, EAST = "980102001", "980102002"
COMMUNITIES = {  # code: (street, outline in 500 m steps)
    "980102001001": (WEST, (0, 2, 2, 4)),
    "980102001002": (WEST, (0, 0, 2, 2)),
    "980102002001": (EAST, (2, 2, 4, 4)),
    "980102002002": (EAST, (2, 0, 4, 2)),
    "980102002003": (EAST, (4, 0, 5, 4)),
}
EMPTY_COMMUNITY = "980102002003"


def community_at(col: int, row: int) -> str:
    street = WEST if col < 2 else EAST
    return street + ("001" if row >= 2 else "002")


def grid_at(col: int, row: int) -> str:
    """The code of the grid in a column and row (from the south), numbered as GLOSSARY says."""
    serial = (1 - row % 2) * 2 + col % 2 + 1
    return f"{community_at(col, row)}{serial:03d}"


GRID_CELLS = [(col, row) for col in range(4) for row in range(4)]


def grid_records() -> list[GridRecord]:
    return [
        GridRecord(
            grid_at(col, row),
            community_at(col, row),
            community_at(col, row)[:9],
            DISTRICT,
            rect(col, row, col + 1, row + 1),
        )
        for col, row in GRID_CELLS
    ]


def area_records() -> list[AreaRecord]:
    return [
        AreaRecord(DISTRICT, "district", "980100", rect(0, 0, 5, 4)),
        AreaRecord(WEST, "street", DISTRICT, rect(0, 0, 2, 4)),
        AreaRecord(EAST, "street", DISTRICT, rect(2, 0, 5, 4)),
        *(
            AreaRecord(code, "community", street, rect(*box))
            for code, (street, box) in COMMUNITIES.items()
        ),
    ]


@pytest.fixture(scope="module")
def index() -> GeoIndex:
    return GeoIndex.build(grid_records(), area_records(), version=7)


def in_grid(code: str) -> Location:
    return Location(code, code[:12], code[:9], code[:6])


# --- the pure index -------------------------------------------------------------------------


@pytest.mark.parametrize(("col", "row"), GRID_CELLS)
def test_a_point_inside_a_grid_gives_that_grid_and_its_areas(
    index: GeoIndex, col: int, row: int
) -> None:
    for dx, dy in [(0.5, 0.5), (0.01, 0.01), (0.99, 0.99), (0.2, 0.9)]:
        assert index.locate(x(col + dx), y(row + dy)) == in_grid(grid_at(col, row))


@pytest.mark.parametrize(
    ("lon", "lat", "expected"),
    [
        # Shared edge inside a community: 001 | 002, and 001 over 003: the lowest code wins.
        (x(1), y(3.5), "980102001001001"),
        (x(0.5), y(3), "980102001001001"),
        (x(1.5), y(3), "980102001001002"),
        # The corner of four grids.
        (x(1), y(3), "980102001001001"),
        (x(3), y(1), "980102002002001"),
        # Between communities and streets: west 980102001001002 against east 980102002001001.
        (x(2), y(3.5), "980102001001002"),
        (x(2), y(2), "980102001001004"),
        # On the city's outer edge: edges are inclusive.
        (x(0), y(3.5), "980102001001001"),
        (x(0), y(0), "980102001002003"),
        # A grid's edge against a community without grids: the grid (finer level) wins.
        (x(4), y(2.5), "980102002001004"),
    ],
)
def test_a_point_on_an_edge_resolves_to_the_lowest_code(
    index: GeoIndex, lon: float, lat: float, expected: str
) -> None:
    assert index.locate(lon, lat) == in_grid(expected)
    assert index.locate_many([lon], [lat])[0] == in_grid(expected)


def test_a_point_in_a_community_without_grids_has_no_grid(index: GeoIndex) -> None:
    expected = Location(None, EMPTY_COMMUNITY, EAST, DISTRICT)
    assert index.locate(x(4.5), y(1)) == expected
    assert index.locate(x(5), y(4)) == expected  # its far corner, on the city's edge


def test_points_outside_every_outline_are_outside_the_city(index: GeoIndex) -> None:
    for lon, lat in [
        (x(0) - 1e-7, y(2)),
        (x(5) + 1e-7, y(2)),
        (x(2), y(4) + 1e-7),
        (116.4, 39.9),
        (math.nan, y(2)),
        (x(2), math.inf),
    ]:
        assert index.locate(lon, lat) is None
    batch = index.locate_many([x(0) - 1e-7, 116.4, math.nan], [y(2), 39.9, y(2)])
    assert batch.to_list() == [None, None, None]
    assert batch.outside.tolist() == [True, True, True]


def test_a_street_or_district_outline_answers_where_no_finer_one_does() -> None:
    index = GeoIndex.build(
        [],
        [
            AreaRecord(DISTRICT, "district", "980100", rect(0, 0, 5, 4)),
            AreaRecord(WEST, "street", DISTRICT, rect(0, 0, 2, 4)),
            AreaRecord("980102001001", "community", WEST, rect(0, 2, 2, 4)),
            AreaRecord(EAST, "street", DISTRICT, None),  # no outline yet: never found
        ],
        version=1,
    )
    assert index.locate(x(1), y(3)) == Location(None, "980102001001", WEST, DISTRICT)
    assert index.locate(x(1), y(1)) == Location(None, None, WEST, DISTRICT)
    assert index.locate(x(3), y(1)) == Location(None, None, None, DISTRICT)
    assert index.locate(x(6), y(1)) is None


def test_holes_and_multipolygons_are_respected() -> None:
    # A community with an enclave cut out of it, the enclave another community; and a grid in
    # two pieces.
    ring = rect(0, 0, 3, 3).difference(rect(1, 1, 2, 2))
    pieces = shapely.MultiPolygon([rect(0, 0, 1, 1), rect(2, 2, 3, 3)])
    index = GeoIndex.build(
        [GridRecord("980102001001001", "980102001001", WEST, DISTRICT, pieces)],
        [
            AreaRecord("980102001001", "community", WEST, ring),
            AreaRecord("980102001002", "community", WEST, rect(1, 1, 2, 2)),
        ],
        version=1,
    )
    points = [(0.5, 0.5), (2.5, 2.5), (1.5, 1.5), (0.5, 2.5), (1.0, 1.5), (3.5, 1.5)]
    expected = [
        in_grid("980102001001001"),
        in_grid("980102001001001"),
        Location(None, "980102001002", WEST, None),
        Location(None, "980102001001", WEST, None),
        Location(None, "980102001001", WEST, None),  # the hole's edge belongs to both: lowest
        None,
    ]
    assert [index.locate(x(a), y(b)) for a, b in points] == expected
    lons, lats = zip(*((x(a), y(b)) for a, b in points), strict=True)
    assert index.locate_many(lons, lats).to_list() == expected


def brute_force(lons: np.ndarray, lats: np.ndarray) -> list[Location | None]:
    """The rule written the slow way: finest level first, lowest code among the polygons hit."""
    layers: list[list[tuple[str, Any, Location]]] = [
        [(g.code, g.geometry, in_grid(g.code)) for g in grid_records()]
    ]
    for level, chain in [
        ("community", lambda a: Location(None, a.code, a.code[:9], DISTRICT)),
        ("street", lambda a: Location(None, None, a.code, DISTRICT)),
        ("district", lambda a: Location(None, None, None, a.code)),
    ]:
        layers.append([(a.code, a.geometry, chain(a)) for a in area_records() if a.level == level])
    answers: list[Location | None] = []
    for lon, lat in zip(lons.tolist(), lats.tolist(), strict=True):
        found = None
        for layer in layers:
            hits = sorted(
                (code, loc) for code, geom, loc in layer if shapely.intersects_xy(geom, lon, lat)
            )
            if hits:
                found = hits[0][1]
                break
        answers.append(found)
    return answers


def random_points(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Uniform over the city and a margin around it, half of them put on a 500 m line."""
    rng = np.random.default_rng(seed)
    lons = rng.uniform(x(-0.5), x(5.5), n)
    lats = rng.uniform(y(-0.5), y(4.5), n)
    on_x = rng.random(n) < 0.3
    on_y = rng.random(n) < 0.3
    lons[on_x] = [x(k) for k in rng.integers(0, 6, int(on_x.sum()))]
    lats[on_y] = [y(k) for k in rng.integers(0, 5, int(on_y.sum()))]
    return lons, lats


def test_batched_lookup_equals_single_lookup_and_the_rule(index: GeoIndex) -> None:
    lons, lats = random_points(10_000, seed=1)
    batch = index.locate_many(lons, lats)
    singles = [
        index.locate(lon, lat) for lon, lat in zip(lons.tolist(), lats.tolist(), strict=True)
    ]
    assert batch.to_list() == singles
    assert singles == brute_force(lons, lats)
    # The array views agree with the objects.
    assert batch.codes("grid").tolist() == [s.grid_code if s else None for s in singles]
    assert batch.codes("street").tolist() == [s.street_code if s else None for s in singles]
    assert batch.outside.tolist() == [s is None for s in singles]
    # Every kind of answer occurred.
    assert None in singles
    assert Location(None, EMPTY_COMMUNITY, EAST, DISTRICT) in singles
    assert {s.grid_code for s in singles if s and s.grid_code} == {
        grid_at(col, row) for col, row in GRID_CELLS
    }


def irregular_city(seed: int) -> tuple[list[GridRecord], list[AreaRecord]]:
    """A 12 × 12 lattice of jittered quadrilaterals, some cut into triangles, some edges within
    1e-13° of vertical or level, codes shuffled, 8 grids missing (their community answers)."""
    rng = np.random.default_rng(seed)
    n, step = 12, 0.001
    i, j = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    vx = 120.0 + (i + rng.uniform(-0.35, 0.35, i.shape)) * step
    vy = 30.0 + (j + rng.uniform(-0.35, 0.35, j.shape)) * step
    tiny = rng.choice([0.0, 1e-13, -1e-11, 1e-9], size=i.shape)
    steep = rng.random(i.shape) < 0.15
    vx[:, 1:][steep[:, 1:]] = vx[:, :-1][steep[:, 1:]] + tiny[:, 1:][steep[:, 1:]]
    level = rng.random(i.shape) < 0.15
    vy[1:, :][level[1:, :]] = vy[:-1, :][level[1:, :]] + tiny[1:, :][level[1:, :]]
    shapes = []
    for a in range(n):
        for b in range(n):
            corners = [
                (vx[p, q], vy[p, q]) for p, q in [(a, b), (a + 1, b), (a + 1, b + 1), (a, b + 1)]
            ]
            if rng.random() < 0.3:
                shapes += [
                    shapely.Polygon(corners[:3]),
                    shapely.Polygon([corners[0], *corners[2:]]),
                ]
            else:
                shapes.append(shapely.Polygon(corners))
    serials = rng.permutation(len(shapes)) + 1
    community = shapely.union_all(shapes)
    missing = set(rng.choice(len(shapes), 8, replace=False).tolist())
    grids = [
        GridRecord(f"980102001001{s:03d}", "980102001001", WEST, DISTRICT, shape)
        for k, (s, shape) in enumerate(zip(serials.tolist(), shapes, strict=True))
        if k not in missing
    ]
    return grids, [AreaRecord("980102001001", "community", WEST, community)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_irregular_polygons_resolve_like_brute_force(seed: int) -> None:
    grids, areas = irregular_city(seed)
    index = GeoIndex.build(grids, areas, version=1)
    rng = np.random.default_rng(seed + 100)
    edges = np.concatenate(
        [
            np.column_stack([ring[:-1], ring[1:]])
            for ring in (np.asarray(g.geometry.exterior.coords) for g in grids)
        ]
    )
    t = rng.random((len(edges), 1))
    points = np.concatenate(
        [
            rng.uniform([119.999, 29.999], [120.014, 30.014], (6000, 2)),
            edges[:, :2],  # every vertex
            edges[:, :2] + t * (edges[:, 2:] - edges[:, :2]),  # on (or a rounding off) every edge
        ]
    )
    lons, lats = points[:, 0], points[:, 1]
    # Brute force: every grid the point touches, lowest code; else the community; else outside.
    codes = np.array([g.code for g in grids])
    tree = shapely.STRtree([g.geometry for g in grids])
    hit_point, hit_grid = tree.query(shapely.points(lons, lats), predicate="intersects")
    lowest: dict[int, str] = {}
    for p, g in zip(hit_point.tolist(), codes[hit_grid].tolist(), strict=True):
        lowest[p] = min(lowest.get(p, g), g)
    in_community = shapely.intersects_xy(areas[0].geometry, lons, lats)
    expected = [
        in_grid(lowest[p])
        if p in lowest
        else Location(None, "980102001001", WEST, None)
        if in_community[p]
        else None
        for p in range(len(points))
    ]
    singles = [
        index.locate(lon, lat) for lon, lat in zip(lons.tolist(), lats.tolist(), strict=True)
    ]
    assert singles == expected
    assert index.locate_many(lons, lats).to_list() == expected
    assert None in expected
    assert Location(None, "980102001001", WEST, None) in expected


def assert_cells_sound(
    geoms: list[Any], sure: Any, starts: Any, cands: Any, nx: int, ny: int
) -> int:
    """The two promises lookups rely on, checked cell by cell with GEOS: a sure cell lies inside
    its polygon and touches no lower-coded one; any other cell lists every polygon touching it."""
    c = np.arange(nx * ny)
    cells = shapely.box(c % nx, c // nx, c % nx + 1, c // nx + 1)
    cell_of, polygon = shapely.STRtree(geoms).query(cells, predicate="intersects")
    touching: dict[int, set[int]] = {}
    for cell, p in zip(cell_of.tolist(), polygon.tolist(), strict=True):
        touching.setdefault(cell, set()).add(p)
    is_sure = np.flatnonzero(sure >= 0)
    array = np.empty(len(geoms), dtype=object)
    array[:] = geoms
    assert shapely.contains_properly(array[sure[is_sure]], cells[is_sure]).all()
    for cell in c.tolist():
        if sure[cell] >= 0:
            assert min(touching[cell]) == sure[cell], cell
        else:
            listed = set(cands[starts[cell] : starts[cell + 1]].tolist())
            assert touching.get(cell, set()) <= listed, cell
    return len(is_sure)


def test_cells_are_classified_soundly_where_vertices_sit_on_centre_lines() -> None:
    # In cell units (the rasteriser's own): centres are at k + 0.5, corners at whole numbers.
    geoms = [
        shapely.Polygon([(4, 0.5), (7.5, 4.5), (4, 7.5), (0.5, 3.5)]),  # vertices on centre lines
        shapely.box(1, 1, 3, 3),  # edges on cell boundaries
        shapely.Polygon([(2, 5.5), (6, 5.5), (4, 7)]),  # a level edge along a centre line
        shapely.box(5, 0, 8, 3).difference(shapely.box(6, 1, 7, 2)),  # a hole
        shapely.Polygon([(0.5, 6), (7.5, 6 + 1e-7), (0.5, 6 + 2e-7)]),  # a sliver
        shapely.box(0, 0, 8, 8),  # under all the others, with no edge inside
    ]
    array = np.empty(len(geoms), dtype=object)
    array[:] = geoms
    sure, starts, cands = _rasterise(array, x0=0.0, y0=0.0, inv_x=1.0, inv_y=1.0, nx=8, ny=8)
    assert assert_cells_sound(geoms, sure, starts, cands, 8, 8) == 4
    assert sure[4 * 8 + 3] == 0  # inside the diamond, though the big box is there too


@pytest.mark.parametrize("seed", [1, 2])
def test_cells_of_irregular_grids_are_classified_soundly(seed: int) -> None:
    grids, _areas = irregular_city(seed)
    index = GeoIndex.build(grids, [], version=1)
    layer = index._layers[0]
    shapes = [
        shapely.transform(g, lambda xy: (xy - [layer.x0, layer.y0]) * [layer.inv_x, layer.inv_y])
        for g in layer.shapes.geoms
    ]
    sure_cells = assert_cells_sound(
        shapes, layer.sure, layer.starts, layer.cands, layer.nx, layer.ny
    )
    assert sure_cells > layer.nx * layer.ny // 3


def test_bbox_returns_the_grids_it_touches(index: GeoIndex) -> None:
    # Inside one grid; across four; touching an edge from inside counts the neighbour.
    assert index.within_bbox(x(0.2), y(3.2), x(0.8), y(3.8)) == ["980102001001001"]
    assert index.within_bbox(x(0.5), y(2.5), x(1.5), y(3.5)) == [
        "980102001001001",
        "980102001001002",
        "980102001001003",
        "980102001001004",
    ]
    assert index.within_bbox(x(0.2), y(3.2), x(1), y(3.8)) == ["980102001001001", "980102001001002"]
    assert index.within_bbox(x(6), y(0), x(7), y(1)) == []
    assert index.within_bbox(x(0), y(0), x(5), y(4)) == sorted(
        grid_at(col, row) for col, row in GRID_CELLS
    )
    with pytest.raises(ValueError, match="min_lon <= max_lon"):
        index.within_bbox(x(1), y(0), x(0), y(1))


def test_bbox_of_areas_by_level(index: GeoIndex) -> None:
    assert index.areas_within_bbox("community", x(0), y(0), x(5), y(4)) == sorted(COMMUNITIES)
    assert index.areas_within_bbox("community", x(4.2), y(0.2), x(4.8), y(3.8)) == [EMPTY_COMMUNITY]
    assert index.areas_within_bbox("street", x(2.5), y(1), x(4.5), y(2)) == [EAST]
    assert index.areas_within_bbox("district", x(1), y(1), x(2), y(2)) == [DISTRICT]
    assert index.areas_within_bbox("city", x(1), y(1), x(2), y(2)) == []  # no city outline given
    with pytest.raises(ValueError, match="unknown level"):
        index.areas_within_bbox("province", x(1), y(1), x(2), y(2))


def test_radius_is_an_exact_circle_in_metres(index: GeoIndex) -> None:
    centre = (x(0.5), y(3.5))  # the middle of 980102001001001: 250 m to each side, 354 m to corners
    assert index.within_radius(*centre, 0) == ["980102001001001"]
    assert index.within_radius(*centre, 240) == ["980102001001001"]
    assert index.within_radius(*centre, 300) == [
        "980102001001001",
        "980102001001002",
        "980102001001003",
    ]
    assert index.within_radius(*centre, 360) == [
        "980102001001001",
        "980102001001002",
        "980102001001003",
        "980102001001004",
    ]
    # 750 m reaches the next grid east (its near edge is at 750 m) but not the one beyond the corner.
    assert "980102002001001" in index.within_radius(*centre, 760)
    assert "980102002001003" not in index.within_radius(*centre, 760)
    assert index.within_radius(x(7), y(2), 500) == []
    with pytest.raises(ValueError, match="radius"):
        index.within_radius(*centre, -1)
    with pytest.raises(ValueError, match="finite coordinates"):
        index.within_radius(math.nan, y(1), 100)


def test_build_refuses_duplicate_codes_and_non_polygons() -> None:
    record = grid_records()[0]
    with pytest.raises(ValueError, match="unique"):
        GeoIndex.build([record, record], [], version=1)
    line = GridRecord(
        "980102001001001", "980102001001", WEST, DISTRICT, shapely.LineString([(0, 0), (1, 1)])
    )
    with pytest.raises(ValueError, match="980102001001001: outline is not a polygon"):
        GeoIndex.build([line], [], version=1)
    assert GeoIndex.build([], [], version=3).locate(x(1), y(1)) is None


# --- the selectors over the database ----------------------------------------------------------


def geojson(shape: Any) -> dict[str, Any]:
    return dict(shapely.geometry.mapping(shape))


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    # Each test's writes are rolled back, and the version counter with them: the next test can
    # reach the same number with other rows, so no index may outlive its test.
    clear_index_cache()
    yield
    clear_index_cache()


@pytest.fixture
def city(db: None) -> dict[str, Area]:
    """The synthetic city in the database, written through the geography actions."""
    areas: dict[str, Area] = {}
    areas["980100"] = upsert_area(code="980100", name="测试市", level=AreaLevel.CITY, parent=None)
    for code, level, parent, name, box in [
        (DISTRICT, AreaLevel.DISTRICT, "980100", "测试区", (0, 0, 5, 4)),
        (WEST, AreaLevel.STREET, DISTRICT, "西街道", (0, 0, 2, 4)),
        (EAST, AreaLevel.STREET, DISTRICT, "东街道", (2, 0, 5, 4)),
        *(
            (c, AreaLevel.COMMUNITY, street, f"社区{c[-4:]}", box)
            for c, (street, box) in COMMUNITIES.items()
        ),
    ]:
        area = upsert_area(code=code, name=name, level=level, parent=areas[parent])
        areas[code] = set_area_boundary(area=area, geometry=geojson(rect(*box)))
    for code in COMMUNITIES:
        drafts = [
            GridDraft(
                serial=int(grid_at(col, row)[-3:]),
                geometry=geojson(rect(col, row, col + 1, row + 1)),
            )
            for col, row in GRID_CELLS
            if community_at(col, row) == code
        ]
        if drafts:
            replace_community_grids(
                community=areas[code], drafts=drafts, valid_from=dt.date(2000, 1, 1)
            )
    return areas


@pytest.mark.django_db
def test_locate_point_gives_the_rows(city: dict[str, Area]) -> None:
    found = locate_point(lon=x(1.5), lat=y(2.5))
    assert found.grid is not None
    assert (found.grid.code, found.grid.community_id) == (
        "980102001001004",
        city["980102001001"].pk,
    )
    assert found.community == city["980102001001"]
    assert found.street == city[WEST]
    assert found.district == city[DISTRICT]


@pytest.mark.django_db
def test_locate_point_in_a_community_without_grids(city: dict[str, Area]) -> None:
    found = locate_point(lon=x(4.5), lat=y(3))
    assert found == selectors.ResolvedLocation(
        grid=None, community=city[EMPTY_COMMUNITY], street=city[EAST], district=city[DISTRICT]
    )


@pytest.mark.django_db
def test_locate_point_outside_the_city_says_so_in_chinese(city: dict[str, Area]) -> None:
    with pytest.raises(OutsideCity) as raised:
        locate_point(lon=116.4, lat=39.9)
    assert str(raised.value) == "坐标(116.40000, 39.90000)不在本市范围内"
    assert (raised.value.lon, raised.value.lat) == (116.4, 39.9)


@pytest.mark.django_db
def test_locate_points_resolves_a_batch_with_none_outside(
    city: dict[str, Area], django_assert_max_num_queries: Any
) -> None:
    lons = [x(0.5), x(0.7), x(4.5), 116.4, x(3.5)]
    lats = [y(0.5), y(0.2), y(0.5), 39.9, y(3.5)]
    current_index()
    with django_assert_max_num_queries(3):  # the version, then grids and areas once each
        found = locate_points(lons=lons, lats=lats)
    assert [r.grid.code if r and r.grid else None for r in found] == [
        "980102001002003",
        "980102001002003",
        None,
        None,
        "980102002001002",
    ]
    assert [r.community.code if r and r.community else None for r in found] == [
        "980102001002",
        "980102001002",
        EMPTY_COMMUNITY,
        None,
        "980102002001",
    ]
    assert found[0] is found[1]  # one grid, one answer


@pytest.mark.django_db
def test_map_selectors_return_rows_by_code(city: dict[str, Area]) -> None:
    assert [
        g.code
        for g in grids_in_bbox(min_lon=x(0.5), min_lat=y(2.5), max_lon=x(1.5), max_lat=y(3.5))
    ] == [
        "980102001001001",
        "980102001001002",
        "980102001001003",
        "980102001001004",
    ]
    assert [g.code for g in grids_within_radius(lon=x(0.5), lat=y(3.5), metres=300)] == [
        "980102001001001",
        "980102001001002",
        "980102001001003",
    ]
    assert areas_in_bbox(
        level=AreaLevel.COMMUNITY, min_lon=x(4.2), min_lat=y(0.2), max_lon=x(4.8), max_lat=y(3.8)
    ) == [city[EMPTY_COMMUNITY]]
    assert [
        a.code
        for a in areas_in_bbox(
            level=AreaLevel.CITY, min_lon=x(0), min_lat=y(0), max_lon=x(1), max_lat=y(1)
        )
    ] == []


@pytest.mark.django_db
def test_the_cached_index_is_rebuilt_when_the_version_changes_and_not_before(
    city: dict[str, Area], monkeypatch: pytest.MonkeyPatch
) -> None:
    builds: list[int] = []
    real_build = selectors.build_index

    def counting_build(*, version: int, on: dt.date | None = None) -> GeoIndex:
        builds.append(version)
        return real_build(version=version, on=on)

    monkeypatch.setattr(selectors, "build_index", counting_build)
    first = current_index()
    assert current_index() is first
    locate_point(lon=x(0.5), lat=y(0.5))
    assert len(builds) == 1

    new_version = bump_geo_version()
    second = current_index()
    assert second is not first
    assert (builds, second.version) == ([first.version, new_version], new_version)
    assert current_index() is second

    # A real change through an action is seen by the next lookup.
    set_area_boundary(area=city[EMPTY_COMMUNITY], geometry=geojson(rect(4, 0, 5, 2)))
    found = locate_point(lon=x(4.5), lat=y(3))
    assert (found.community, found.street) == (None, city[EAST])
    assert len(builds) == 3


@pytest.mark.django_db
def test_a_past_date_resolves_against_the_areas_and_grids_valid_then(city: dict[str, Area]) -> None:
    # Given: on 2024-07-01 the community without grids was renumbered 980102002003 → …004, and the
    # south-west community's grids were redrawn with new serials.
    change = dt.date(2024, 7, 1)
    old_community = city[EMPTY_COMMUNITY]
    new_community = upsert_area(
        code="980102002004",
        name="新社区",
        level=AreaLevel.COMMUNITY,
        parent=city[EAST],
        valid_from=change,
    )
    set_area_boundary(area=new_community, geometry=geojson(rect(4, 0, 5, 4)))
    retire_area(area=old_community, on=change, successor=new_community)
    replace_community_grids(
        community=city["980102001002"],
        drafts=[
            GridDraft(serial=5 + i, geometry=geojson(rect(col, row, col + 1, row + 1)))
            for i, (col, row) in enumerate([(0, 1), (1, 1), (0, 0), (1, 0)])
        ],
        valid_from=change,
    )

    # Then: today the new codes, on an earlier date the old rows, on the day itself the new.
    now = locate_point(lon=x(4.5), lat=y(3))
    assert now.community == new_community
    before = locate_point(lon=x(4.5), lat=y(3), on=dt.date(2024, 1, 15))
    assert before.community is not None
    assert (before.community.pk, before.community.code) == (old_community.pk, EMPTY_COMMUNITY)
    assert locate_point(lon=x(4.5), lat=y(3), on=change).community == new_community

    def grid_code(on: dt.date | None) -> str | None:
        grid = locate_point(lon=x(0.5), lat=y(0.5), on=on).grid
        return grid.code if grid else None

    assert grid_code(None) == "980102001002007"
    assert grid_code(dt.date(2024, 6, 30)) == "980102001002003"
    with pytest.raises(OutsideCity):  # nothing existed yet
        grid_code(dt.date(1999, 12, 31))
