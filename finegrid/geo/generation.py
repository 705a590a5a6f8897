"""Cutting a community (or a street without communities) into coded unit grids of about 10,000 m².

The outline is projected to a local equal-area plane, cut by a square lattice, clipped, and pieces
smaller than a fraction of a cell are merged into the neighbour they share most border with.
Serials run west→east along a row, rows north→south (GB/T 47678.3 / the 2004 Dongcheng method).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry

from finegrid.geo.actions import GridDraft
from finegrid.geo.geometry import metric_transformers, to_degrees, to_geojson, to_metres

MAX_SERIAL = 999


class GenerationError(ValueError):
    pass


@dataclass(frozen=True)
class GenerationOptions:
    cell_m2: float = 10_000.0
    #: Pieces smaller than this share of a cell are merged into a neighbour.
    sliver_share: float = 0.3


DEFAULT_OPTIONS = GenerationOptions()


def _polygons(geom: BaseGeometry) -> list[BaseGeometry]:
    parts = shapely.get_parts(geom)
    return [p for p in parts if p.geom_type == "Polygon" and p.area > 0]


def cut_outline(
    outline: BaseGeometry, options: GenerationOptions = GenerationOptions()
) -> list[GridDraft]:
    """Grid drafts (serial, WGS-84 GeoJSON) covering `outline` without gaps or overlaps."""
    if options.cell_m2 <= 0:
        raise GenerationError(_("网格面积必须大于0"))
    forward, inverse = metric_transformers(outline)
    plane = shapely.make_valid(to_metres(outline, forward))
    side = math.sqrt(options.cell_m2)
    min_x, min_y, max_x, max_y = plane.bounds
    # A lattice anchored at multiples of the side, so neighbouring communities share cell lines.
    x0 = math.floor(min_x / side) * side
    y0 = math.floor(min_y / side) * side
    xs = np.arange(x0, max_x, side)
    ys = np.arange(y0, max_y, side)
    gx, gy = np.meshgrid(xs, ys)
    cells = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + side, gy.ravel() + side)
    shapely.prepare(plane)
    hit = shapely.intersects(plane, cells)
    clipped = shapely.intersection(cells[hit], plane)

    pieces: list[BaseGeometry] = []
    for geom in clipped:
        pieces.extend(_polygons(geom))
    pieces = _merge_slivers(pieces, options.cell_m2 * options.sliver_share)

    top = max_y
    keyed = []
    for piece in pieces:
        point = piece.representative_point()
        row = math.floor((top - point.y) / side)
        col = math.floor((point.x - x0) / side)
        keyed.append(((row, col, -point.y, point.x), piece))
    keyed.sort(key=lambda item: item[0])
    if len(keyed) > MAX_SERIAL:
        raise GenerationError(
            _("该区域将被划分为%(n)d个网格，超过顺序码上限999个，请增大网格面积")
            % {"n": len(keyed)}
        )
    return [
        GridDraft(serial=i, geometry=to_geojson(to_degrees(piece, inverse)))
        for i, (_key, piece) in enumerate(keyed, start=1)
    ]


def _merge_slivers(pieces: list[BaseGeometry], min_area: float) -> list[BaseGeometry]:
    """Merge each too-small piece into the neighbour sharing the longest border, smallest first."""
    alive = dict(enumerate(pieces))
    while True:
        small = sorted((p.area, i) for i, p in alive.items() if p.area < min_area)
        merged_any = False
        for _area, i in small:
            if i not in alive or alive[i].area >= min_area:
                continue
            piece = alive[i]
            best, best_len = None, 0.0
            for j, other in alive.items():
                if j == i or not piece.intersects(other):
                    continue
                shared = piece.intersection(other).length
                if shared > best_len:
                    best, best_len = j, shared
            if best is None:
                continue  # an island of its own: it stays a (small) grid
            union = shapely.union(alive[best], piece)
            if union.geom_type != "Polygon":
                union = shapely.make_valid(shapely.buffer(union, 0))
            if union.geom_type != "Polygon":
                continue
            alive[best] = union
            del alive[i]
            merged_any = True
        if not merged_any:
            return list(alive.values())
