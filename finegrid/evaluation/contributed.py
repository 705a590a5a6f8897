"""Counts other apps contribute to evaluation: campaign tasks ticked off on time, inspection items
passed, rectifications done... anything scored per subject and period that is not a case.

An app registers a `Contributed` measure in its `AppConfig.ready`; indicators name its code as
their numerator or denominator like any case measure (never combined with `|`). A run asks each
measure it needs for the period's counts once, stores them in its snapshot's inputs, and scores
from the stored numbers, so a published run can be re-read exactly as it was computed.
evaluation never imports the contributing apps; they import this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

from finegrid.evaluation.periods import Period
from finegrid.evaluation.subjects import SubjectKind

#: (subject kind, subject id) -> (how many, a sum over them for mean indicators)
Counts = Mapping[tuple[str, int], tuple[int, float]]


@dataclass(frozen=True)
class Contributed:
    code: str
    name: Promise | str
    meaning: Promise | str
    kinds: frozenset[SubjectKind]
    #: The counts of the period as they stood at `now` (the run's moment).
    count: Callable[[Period, dt.datetime], Counts]
    #: Where a person reads the things behind one figure; None when there is no such page.
    behind_url: Callable[[str, SubjectKind, int], str] | None = None


REGISTRY: dict[str, Contributed] = {}


def register(*measures: Contributed) -> None:
    for measure in measures:
        existing = REGISTRY.get(measure.code)
        if existing is not None and existing != measure:
            raise ValueError(f"contributed measure {measure.code} is registered twice")
        REGISTRY[measure.code] = measure


def get(expression: str) -> Contributed | None:
    return REGISTRY.get(expression.strip())


def collect(expressions: Iterable[str], period: Period, now: dt.datetime) -> dict[str, Any]:
    """The stored form of every contributed expression's counts: {code: {"kind:id": [n, sum]}}."""
    stored: dict[str, Any] = {}
    for expression in sorted(set(expressions)):
        measure = get(expression)
        if measure is None:
            continue
        stored[measure.code] = {
            f"{kind}:{subject}": [count, total]
            for (kind, subject), (count, total) in measure.count(period, now).items()
        }
    return stored


def read(stored: Mapping[str, Any]) -> dict[str, dict[tuple[str, int], tuple[int, float]]]:
    """The counts back from a snapshot's inputs."""
    result: dict[str, dict[tuple[str, int], tuple[int, float]]] = {}
    for code, rows in stored.items():
        table: dict[tuple[str, int], tuple[int, float]] = {}
        for key, (count, total) in rows.items():
            kind, subject = key.split(":")
            table[(kind, int(subject))] = (int(count), float(total))
        result[code] = table
    return result
