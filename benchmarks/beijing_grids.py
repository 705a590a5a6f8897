"""Time unit-grid generation on the real street outlines of Beijing 东城区 and 西城区.

Usage: python benchmarks/beijing_grids.py [--shared ../shared] [--cell-m2 10000]
Reads ../shared/data/boundaries/beijing-streets/*.geojson (WGS-84), cuts every street with the same
code the `generate_grids` command uses, checks the cut covers each street (gap/overlap in m²), and
prints per-district counts and timings. Needs no database.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

import shapely  # noqa: E402
from shapely.geometry import shape  # noqa: E402

from finegrid.geo.coverage import significant  # noqa: E402
from finegrid.geo.generation import GenerationOptions, cut_outline  # noqa: E402
from finegrid.geo.geometry import area_m2, metric_transformers, to_metres  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    default_shared = Path(__file__).resolve().parents[1].parent / "shared"
    parser.add_argument("--shared", type=Path, default=default_shared)
    parser.add_argument("--cell-m2", type=float, default=10_000.0)
    args = parser.parse_args()
    folder = args.shared / "data" / "boundaries" / "beijing-streets"
    if not folder.is_dir():
        sys.exit(f"{folder} not found: pass --shared")
    options = GenerationOptions(cell_m2=args.cell_m2)
    print(
        f"{'district':<10} {'streets':>7} {'grids':>7} {'km²':>8} {'median m²':>10} {'gap m²':>8} {'overlap m²':>10} {'violations':>10} {'seconds':>8}"
    )
    grand_grids, grand_seconds = 0, 0.0
    for name, file in (("东城区", "dongcheng-all.geojson"), ("西城区", "xicheng-all.geojson")):
        features = json.loads((folder / file).read_text())["features"]
        started = time.perf_counter()
        cut = [(shape(f["geometry"]), cut_outline(shape(f["geometry"]), options)) for f in features]
        seconds = time.perf_counter() - started
        gap = overlap = 0.0
        violations = 0
        sizes: list[float] = []
        for outline, drafts in cut:
            forward, _inverse = metric_transformers(outline)
            plane = to_metres(outline, forward)
            cells = [to_metres(shape(d.geometry), forward) for d in drafts]
            sizes.extend(c.area for c in cells)
            union = shapely.union_all(cells)
            holes = shapely.get_parts(plane.difference(union))
            gap += sum(h.area for h in holes)
            overlap += max(0.0, sum(c.area for c in cells) - union.area)
            violations += sum(1 for h in holes if significant(h))
        total_km2 = sum(area_m2(o) for o, _d in cut) / 1e6
        print(
            f"{name:<10} {len(features):>7} {len(sizes):>7} {total_km2:>8.2f} {statistics.median(sizes):>10.0f} "
            f"{gap:>8.2f} {overlap:>10.2f} {violations:>10} {seconds:>8.2f}"
        )
        grand_grids += len(sizes)
        grand_seconds += seconds
    print(
        f"total: {grand_grids} grids in {grand_seconds:.2f} s ({grand_grids / grand_seconds:.0f} grids/s)"
    )


if __name__ == "__main__":
    main()
