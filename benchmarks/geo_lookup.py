"""Time point lookup (`finegrid.geo.index.GeoIndex`) on a synthetic city of about 100,000 grids.

Usage: python benchmarks/geo_lookup.py [--grids 100000] [--points 1000000] [--singles 100000]
                                       [--seed 1]

Needs no database. Draws a square lattice of ~100 m cells with jittered corners (irregular
quadrilaterals that tile without gaps), groups them into communities of 8×8 cells, streets of 4×4
communities and districts of 4×4 streets, and leaves 2 % of communities without grids. Then it
builds the index, looks up random points (90 % inside, 10 % outside) batched and one by one, checks
the answers against each other and against a brute-force STRtree oracle, and prints a table with
the build time, throughput, single-lookup latency and memory, beside plain STRtree for comparison.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from finegrid.geo.index import AreaRecord, GeoIndex, GridRecord, Location

CELL_M = 100.0
JITTER_M = 30.0
COMMUNITY_CELLS = 8  # a community is 8×8 grids
STREET_COMMUNITIES = 4  # a street is 4×4 communities
DISTRICT_STREETS = 4  # a district is 4×4 streets
EMPTY_COMMUNITIES = 0.02  # share of communities whose grids are not drawn yet
ORIGIN = (116.20, 39.75)  # south-west corner, near Beijing
METRES_PER_DEGREE = 6_371_008.8 * math.pi / 180.0


@dataclass
class City:
    grids: list[GridRecord]
    areas: list[AreaRecord]
    bounds: tuple[float, float, float, float]


def rss_mb(field: str = "VmRSS") -> float:
    """Resident memory from /proc (VmHWM is the peak); psutil is not a dependency."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def make_city(n_grids: int, rng: np.random.Generator) -> City:
    side = max(1, round(math.sqrt(n_grids)))
    # Vertex lattice in metres, border vertices kept straight so the city is an exact rectangle.
    jx = rng.uniform(-JITTER_M, JITTER_M, (side + 1, side + 1))
    jy = rng.uniform(-JITTER_M, JITTER_M, (side + 1, side + 1))
    jx[[0, -1], :] = jx[:, [0, -1]] = 0.0
    jy[[0, -1], :] = jy[:, [0, -1]] = 0.0
    i, j = np.meshgrid(np.arange(side + 1), np.arange(side + 1), indexing="ij")
    lon0, lat0 = ORIGIN
    lon = lon0 + (i * CELL_M + jx) / (METRES_PER_DEGREE * math.cos(math.radians(lat0)))
    lat = lat0 + (j * CELL_M + jy) / METRES_PER_DEGREE

    def vertex(a: int, b: int) -> tuple[float, float]:
        return float(lon[a, b]), float(lat[a, b])

    def outline(i0: int, j0: int, i1: int, j1: int) -> shapely.Polygon:
        """The block of cells [i0, i1) × [j0, j1) along the lattice's own jittered vertices."""
        ring = [vertex(a, j0) for a in range(i0, i1)]
        ring += [vertex(i1, b) for b in range(j0, j1)]
        ring += [vertex(a, j1) for a in range(i1, i0, -1)]
        ring += [vertex(i0, b) for b in range(j1, j0, -1)]
        return shapely.Polygon(ring)

    per_street = COMMUNITY_CELLS * STREET_COMMUNITIES
    per_district = per_street * DISTRICT_STREETS
    districts_across = math.ceil(side / per_district)
    areas = [AreaRecord("980100", "city", None, outline(0, 0, side, side))]
    community_of: dict[tuple[int, int], tuple[str, str, str]] = {}
    for ci in range(math.ceil(side / COMMUNITY_CELLS)):
        for cj in range(math.ceil(side / COMMUNITY_CELLS)):
            # District, street and community serials run west→east, north→south.
            si, sj = ci // STREET_COMMUNITIES, cj // STREET_COMMUNITIES
            di, dj = si // DISTRICT_STREETS, sj // DISTRICT_STREETS
            top = math.ceil(side / COMMUNITY_CELLS) - 1
            district = f"9801{(top // (STREET_COMMUNITIES * DISTRICT_STREETS) - dj) * districts_across + di + 1:02d}"
            street_serial = (DISTRICT_STREETS - 1 - sj % DISTRICT_STREETS) * DISTRICT_STREETS + (
                si % DISTRICT_STREETS
            )
            street = f"{district}{street_serial + 1:03d}"
            community_serial = (
                STREET_COMMUNITIES - 1 - cj % STREET_COMMUNITIES
            ) * STREET_COMMUNITIES + (ci % STREET_COMMUNITIES)
            community = f"{street}{community_serial + 1:03d}"
            community_of[(ci, cj)] = (community, street, district)
            i0, j0 = ci * COMMUNITY_CELLS, cj * COMMUNITY_CELLS
            i1, j1 = min(side, i0 + COMMUNITY_CELLS), min(side, j0 + COMMUNITY_CELLS)
            areas.append(AreaRecord(community, "community", street, outline(i0, j0, i1, j1)))
    streets = {(c[1], c[2]) for c in community_of.values()}
    for si in range(math.ceil(side / per_street)):
        for sj in range(math.ceil(side / per_street)):
            street, district = community_of[(si * STREET_COMMUNITIES, sj * STREET_COMMUNITIES)][1:]
            i0, j0 = si * per_street, sj * per_street
            shape = outline(i0, j0, min(side, i0 + per_street), min(side, j0 + per_street))
            areas.append(AreaRecord(street, "street", district, shape))
    for di in range(districts_across):
        for dj in range(districts_across):
            district = community_of[
                (
                    di * STREET_COMMUNITIES * DISTRICT_STREETS,
                    dj * STREET_COMMUNITIES * DISTRICT_STREETS,
                )
            ][2]
            i0, j0 = di * per_district, dj * per_district
            shape = outline(i0, j0, min(side, i0 + per_district), min(side, j0 + per_district))
            areas.append(AreaRecord(district, "district", "980100", shape))
    assert len({s for s, _d in streets}) == sum(a.level == "street" for a in areas)

    # Grids: one quadrilateral per lattice cell, built in one vectorised call.
    ci_, cj_ = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    a, b = ci_.ravel(), cj_.ravel()
    rings = np.stack(
        [
            np.stack([lon[a, b], lat[a, b]], axis=-1),
            np.stack([lon[a + 1, b], lat[a + 1, b]], axis=-1),
            np.stack([lon[a + 1, b + 1], lat[a + 1, b + 1]], axis=-1),
            np.stack([lon[a, b + 1], lat[a, b + 1]], axis=-1),
            np.stack([lon[a, b], lat[a, b]], axis=-1),
        ],
        axis=1,
    )
    polygons = shapely.polygons(rings)
    communities = sorted(community_of)
    empty = set(
        rng.choice(
            len(communities), size=int(len(communities) * EMPTY_COMMUNITIES), replace=False
        ).tolist()
    )
    empty_keys = {communities[k] for k in empty}
    grids: list[GridRecord] = []
    for gi, gj, polygon in zip(a.tolist(), b.tolist(), polygons, strict=True):
        key = (gi // COMMUNITY_CELLS, gj // COMMUNITY_CELLS)
        if key in empty_keys:
            continue
        community, street, district = community_of[key]
        serial = (
            (COMMUNITY_CELLS - 1 - gj % COMMUNITY_CELLS) * COMMUNITY_CELLS
            + gi % COMMUNITY_CELLS
            + 1
        )
        grids.append(GridRecord(f"{community}{serial:03d}", community, street, district, polygon))
    return City(
        grids, areas, (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
    )


def make_points(
    n: int, bounds: tuple[float, float, float, float], rng: np.random.Generator
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """90 % uniform inside the city's rectangle, 10 % in a band up to 10 % of its size outside."""
    x0, y0, x1, y1 = bounds
    w, h = x1 - x0, y1 - y0
    n_in = int(n * 0.9)
    xs = rng.uniform(x0, x1, n)
    ys = rng.uniform(y0, y1, n)
    side = rng.integers(0, 4, n - n_in)
    depth = rng.uniform(1e-6, 0.1, n - n_in)
    ox, oy = xs[n_in:], ys[n_in:]
    ox[side == 0] = x0 - depth[side == 0] * w
    ox[side == 1] = x1 + depth[side == 1] * w
    oy[side == 2] = y0 - depth[side == 2] * h
    oy[side == 3] = y1 + depth[side == 3] * h
    order = rng.permutation(n)
    return xs[order], ys[order]


def oracle(
    index_geoms: dict[str, tuple[list[str], shapely.STRtree]],
    xs: NDArray[np.float64],
    ys: NDArray[np.float64],
) -> tuple[list[str | None], NDArray[np.intp]]:
    """Brute force with STRtree: the lowest-coded polygon of the finest level that has one."""
    answer: list[str | None] = [None] * len(xs)
    todo = np.arange(len(xs))
    for level in ("grid", "community", "street", "district"):
        codes, tree = index_geoms[level]
        hits = tree.query(shapely.points(xs[todo], ys[todo]), predicate="intersects")
        best: dict[int, int] = {}
        for p, g in zip(hits[0].tolist(), hits[1].tolist(), strict=True):
            if p not in best or g < best[p]:
                best[p] = g
        for p, g in best.items():
            answer[int(todo[p])] = f"{level}:{codes[g]}"
        todo = np.array([t for p, t in enumerate(todo.tolist()) if p not in best], dtype=np.intp)
    return answer, todo


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--grids", type=int, default=100_000, help="about this many grids")
    parser.add_argument("--points", type=int, default=1_000_000, help="points looked up in batch")
    parser.add_argument("--singles", type=int, default=100_000, help="points looked up one by one")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    rows: list[tuple[str, str]] = []

    started = time.perf_counter()
    city = make_city(args.grids, rng)
    rows.append(
        (
            "city generated",
            f"{len(city.grids):,} grids, {len(city.areas):,} areas in {time.perf_counter() - started:.1f} s",
        )
    )
    xs, ys = make_points(args.points, city.bounds, rng)
    rss_before = rss_mb()

    started = time.perf_counter()
    index = GeoIndex.build(city.grids, city.areas, version=1)
    build_s = time.perf_counter() - started
    rows.append(("index build", f"{build_s:.2f} s"))
    rows.append(("index memory (RSS growth)", f"{rss_mb() - rss_before:,.0f} MB"))

    started = time.perf_counter()
    batch = index.locate_many(xs, ys)
    batch_s = time.perf_counter() - started
    rows.append(
        ("batched lookup", f"{len(xs) / batch_s:,.0f} points/s ({len(xs):,} in {batch_s:.2f} s)")
    )
    outside = int(batch.outside.sum())
    no_grid = int(((batch.codes("grid") == None) & ~batch.outside).sum())  # noqa: E711
    rows.append(("  outside / in area without grid", f"{outside:,} / {no_grid:,}"))

    n_single = min(args.singles, len(xs))
    single_x, single_y = xs[:n_single].tolist(), ys[:n_single].tolist()
    timings = [0] * n_single
    singles: list[Location | None] = [None] * n_single
    locate, clock = index.locate, time.perf_counter_ns
    for k in range(n_single):
        t0 = clock()
        singles[k] = locate(single_x[k], single_y[k])
        timings[k] = clock() - t0
    timings.sort()
    median_us = statistics.median(timings) / 1000
    p99_us = timings[int(0.99 * (n_single - 1))] / 1000
    rows.append(
        ("single lookup median / p99", f"{median_us:.1f} µs / {p99_us:.1f} µs ({n_single:,} calls)")
    )
    same = sum(s == batch[k] for k, s in enumerate(singles))
    rows.append(("check: batched == single", f"{same:,} / {n_single:,}"))

    # The alternative the design rejected, on the same prepared polygons.
    grid_codes = sorted(g.code for g in city.grids)
    by_code = {g.code: g.geometry for g in city.grids}
    geoms = np.array([by_code[c] for c in grid_codes], dtype=object)
    shapely.prepare(geoms)
    tree = shapely.STRtree(geoms)
    started = time.perf_counter()
    hits = tree.query(shapely.points(xs, ys), predicate="intersects")
    tree_s = time.perf_counter() - started
    rows.append(("STRtree batched query (hits only)", f"{len(xs) / tree_s:,.0f} points/s"))
    n_tree = min(20_000, n_single)
    tree_timings = [0] * n_tree
    query, point = tree.query, shapely.Point
    for k in range(n_tree):
        t0 = clock()
        query(point(single_x[k], single_y[k]), predicate="intersects")
        tree_timings[k] = clock() - t0
    rows.append(
        (
            "STRtree single query median",
            f"{statistics.median(tree_timings) / 1000:.1f} µs (incl. Point)",
        )
    )

    # Oracle on every batched point for grids (from the tree's hits), areas on the rest.
    best = np.full(len(xs), len(grid_codes), dtype=np.intp)
    np.minimum.at(best, hits[0], hits[1])
    grid_of = np.array([*grid_codes, None], dtype=object)[best]
    grid_ok = int((grid_of == batch.codes("grid")).sum())
    rows.append(("check: grid == STRtree oracle", f"{grid_ok:,} / {len(xs):,}"))
    area_trees: dict[str, tuple[list[str], shapely.STRtree]] = {"grid": (grid_codes, tree)}
    for level in ("community", "street", "district"):
        level_areas = sorted((a for a in city.areas if a.level == level), key=lambda a: a.code)
        area_trees[level] = (
            [a.code for a in level_areas],
            shapely.STRtree([a.geometry for a in level_areas]),
        )
    sample = np.flatnonzero(best == len(grid_codes))[:20_000]
    expected, _outside = oracle(area_trees, xs[sample], ys[sample])
    got = [
        None
        if loc is None
        else f"community:{loc.community_code}"
        if loc.community_code
        else f"street:{loc.street_code}"
        if loc.street_code
        else f"district:{loc.district_code}"
        for loc in (batch[int(k)] for k in sample)
    ]
    area_ok = sum(e == g for e, g in zip(expected, got, strict=True))
    rows.append(("check: no-grid points == oracle", f"{area_ok:,} / {len(sample):,}"))
    rows.append(("peak RSS", f"{rss_mb('VmHWM'):,.0f} MB"))

    width = max(len(label) for label, _value in rows)
    print(f"geo lookup benchmark (seed {args.seed})")
    print("-" * (width + 50))
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    failed = same != n_single or grid_ok != len(xs) or area_ok != len(sample)
    if failed:
        print("MISMATCH: see the check rows above", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
