"""Real-looking outlines for the demo city: nested Voronoi partitions of a wobbly city outline.

Deterministic (fixed seeds), so every installation draws the same 示范市.
"""

from __future__ import annotations

import math
import random
from typing import Any

import shapely
from shapely.geometry import MultiPoint, Polygon
from shapely.geometry.base import BaseGeometry

from finegrid.geo.geometry import equal_area_plane, to_degrees, to_geojson

#: Somewhere plausible on the North China Plain; the demo city has no real counterpart.
CENTRE = (116.90, 33.00)


def _city_outline(rng: random.Random) -> Polygon:
    # An irregular oval about 7 km × 5 km with a wavy edge, like a built-up area.
    points = []
    for k in range(72):
        angle = 2 * math.pi * k / 72
        wobble = (
            1
            + 0.08 * math.sin(3 * angle + 0.7)
            + 0.05 * math.sin(7 * angle)
            + rng.uniform(-0.02, 0.02)
        )
        points.append((3600 * wobble * math.cos(angle), 2500 * wobble * math.sin(angle)))
    return Polygon(points)


def _split(shape: BaseGeometry, parts: int, rng: random.Random) -> list[BaseGeometry]:
    """Cut `shape` into `parts` Voronoi cells of seeds spread inside it, ordered west→east."""
    if parts == 1:
        return [shape]
    min_x, min_y, max_x, max_y = shape.bounds
    seeds: list[tuple[float, float]] = []
    while len(seeds) < parts:
        x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        if shape.contains(shapely.Point(x, y)) and all(math.dist((x, y), s) > 400 for s in seeds):
            seeds.append((x, y))
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=shape.envelope.buffer(1000))
    pieces = [shapely.intersection(cell, shape) for cell in shapely.get_parts(cells)]
    pieces = [
        p if p.geom_type == "Polygon" else max(shapely.get_parts(p), key=lambda g: g.area)
        for p in pieces
    ]
    pieces = [shapely.set_precision(p, 0.01) for p in pieces]
    return sorted(pieces, key=lambda p: (p.centroid.x, -p.centroid.y))


def demo_outlines(layout: list[tuple[str, list[tuple[str, int]]]]) -> dict[str, dict[str, Any]]:
    """GeoJSON (WGS-84) outlines by area code for [(district code, [(street code, communities)])].

    The city takes the first code's prefix + 00; communities are numbered 001.. within a street.
    """
    rng = random.Random(20260101)
    _forward, inverse = equal_area_plane(*CENTRE)
    city = _city_outline(rng)
    outlines: dict[str, BaseGeometry] = {layout[0][0][:4] + "00": city}
    for district_shape, (district_code, streets) in zip(
        _split(city, len(layout), rng), layout, strict=True
    ):
        outlines[district_code] = district_shape
        for street_shape, (street_code, communities) in zip(
            _split(district_shape, len(streets), rng), streets, strict=True
        ):
            outlines[street_code] = street_shape
            for serial, community_shape in enumerate(
                _split(street_shape, communities, rng), start=1
            ):
                outlines[f"{street_code}{serial:03d}"] = community_shape
    return {code: to_geojson(to_degrees(shape, inverse)) for code, shape in outlines.items()}
