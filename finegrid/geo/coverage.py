"""Do a community's grids cover it exactly? Gaps, overlaps and grids that cross its boundary.

Tolerance: a gap, overlap or overhang is reported when it is larger than TOLERANCE_M2 (1 m²) and
wider than TOLERANCE_WIDTH_M (10 cm). Coordinates are stored to 1e-7° (about 1 cm), so rounding
alone leaves slivers a few millimetres wide along a community's edge; anything that matters on the
ground (a missing pavement, a double-counted corner) is far larger on both counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from finegrid.geo.geometry import metric_transformers, to_metres
from finegrid.geo.models import Area, Grid

TOLERANCE_M2 = 1.0
TOLERANCE_WIDTH_M = 0.1


def significant(piece: BaseGeometry) -> bool:
    return bool(piece.area > TOLERANCE_M2 and not piece.buffer(-TOLERANCE_WIDTH_M / 2).is_empty)


class ViolationKind(StrEnum):
    GAP = "gap"
    OVERLAP = "overlap"
    OUTSIDE = "outside"


@dataclass(frozen=True)
class Violation:
    kind: ViolationKind
    community_code: str
    grid_codes: tuple[str, ...]
    area_m2: float

    def describe(self) -> str:
        codes = "、".join(self.grid_codes) or "—"
        label = {"gap": "空隙", "overlap": "重叠", "outside": "越界"}[self.kind]
        return f"{self.community_code} {label} {self.area_m2:.1f} m²: {codes}"


def check_community(community: Area) -> list[Violation]:
    grids = list(Grid.objects.current().filter(community=community).values_list("code", "boundary"))
    if community.boundary is None or not grids:
        return []
    outline = shape(community.boundary)
    forward, _inverse = metric_transformers(outline)
    plane = to_metres(outline, forward)
    codes = [code for code, _b in grids]
    cells = [to_metres(shape(b), forward) for _c, b in grids]
    found: list[Violation] = []

    for code, cell in zip(codes, cells, strict=True):
        outside = shapely.difference(cell, plane)
        if significant(outside):
            found.append(
                Violation(ViolationKind.OUTSIDE, community.code, (code,), round(outside.area, 1))
            )

    tree = shapely.STRtree(cells)
    left, right = tree.query(cells, predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i < j:
            overlap = shapely.intersection(cells[i], cells[j])
            if significant(overlap):
                found.append(
                    Violation(
                        ViolationKind.OVERLAP,
                        community.code,
                        (codes[i], codes[j]),
                        round(overlap.area, 1),
                    )
                )

    covered = shapely.union_all(cells)
    for gap in shapely.get_parts(shapely.difference(plane, covered)):
        if significant(gap):
            near = tuple(
                codes[k] for k in tree.query(gap.buffer(0.5), predicate="intersects").tolist()
            )
            found.append(
                Violation(
                    ViolationKind.GAP, community.code, tuple(sorted(near)), round(gap.area, 1)
                )
            )
    return found
