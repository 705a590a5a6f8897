"""From counts to values, item scores, composite scores, grades and ranks. Plain Python, no ORM."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    name: str
    kind: str  # count / ratio / complement / mean / per_grid
    numerator: str
    denominator: str
    unit: str
    direction: str  # higher / lower


@dataclass(frozen=True)
class Tally:
    """One subject's counts: measure expression -> count, and hours sums for means."""

    counts: Mapping[str, int]
    hours: Mapping[str, float]
    grids: int = 1  # unit grids in the subject (areas), for per-grid indicators


def value_of(indicator: IndicatorSpec, tally: Tally) -> float | None:
    """The indicator's value; rates are fractions (0.9312), None when nothing is due."""
    numerator = tally.counts.get(indicator.numerator, 0)
    if indicator.kind == "count":
        return float(numerator)
    if indicator.kind == "per_grid":
        return numerator / tally.grids if tally.grids else None
    if indicator.kind == "mean":
        return tally.hours.get(indicator.numerator, 0.0) / numerator if numerator else None
    denominator = tally.counts.get(indicator.denominator, 0)
    if not denominator:
        return None
    ratio = numerator / denominator
    return 1.0 - ratio if indicator.kind == "complement" else ratio


def band_score(value: float, rows: Sequence[Sequence[Any]], otherwise: float) -> float:
    """The score of the first band the value falls in, in order; `otherwise` when none."""
    for operator, limit, score in rows:
        if (
            (operator == "<" and value < limit)
            or (operator == "<=" and value <= limit)
            or (operator == ">" and value > limit)
            or (operator == ">=" and value >= limit)
        ):
            return float(score)
    return float(otherwise)


def item_score(
    indicator: IndicatorSpec,
    value: float | None,
    *,
    method: str,
    bands: Mapping[str, Any],
    empty_score: float,
    area_class: str = "",
) -> float:
    if value is None:
        return empty_score
    if method == "percent":
        share = value if indicator.direction == "higher" else 1.0 - value
        return round(100.0 * min(max(share, 0.0), 1.0), 4)
    rows = bands.get(area_class) or bands.get("default") or bands.get("class2") or []
    return band_score(value, rows, float(bands.get("otherwise", 0)))


def composite(item_scores: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """Σ score × weight / 100 over the weighted items."""
    return sum(item_scores[code] * weight for code, weight in weights.items()) / 100.0


def grade_of(score: float, grade_bands: Sequence[Sequence[Any]]) -> str:
    for grade, floor in grade_bands:
        if score >= floor:
            return str(grade)
    return str(grade_bands[-1][0])


def ranks(scores: Sequence[float]) -> list[int]:
    """Competition ranking, best first: equal scores (to 0.01) share a rank, the next skips (1, 2, 2, 4)."""
    keyed = [round(score, 2) for score in scores]
    order = sorted(range(len(keyed)), key=lambda index: -keyed[index])
    result = [0] * len(keyed)
    previous: float | None = None
    rank = 0
    for position, index in enumerate(order, start=1):
        if keyed[index] != previous:
            rank, previous = position, keyed[index]
        result[index] = rank
    return result
