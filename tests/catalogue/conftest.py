"""Shared data of the catalogue tests: the loaded catalogue, a city with one district, file writers."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest

from finegrid.catalogue.actions import LoadResult, load_catalogue
from finegrid.catalogue.models import (
    ActionTag,
    Category,
    Component,
    FilingRule,
    FilingRuleLimit,
    LegacyCategory,
    MajorClass,
)
from finegrid.geo.models import Area, AreaLevel
from finegrid.org.models import DepartmentType, Unit, UnitKind, UnitLevel

REPO = Path(__file__).resolve().parents[2]
SHARED_STANDARDS = REPO / ".." / "shared" / "standards"


@pytest.fixture
def standards_dir() -> Path:
    """The published standard tables; tests comparing against them skip where they are absent."""
    if not (SHARED_STANDARDS / "gbt47678-5-2026-catalogue.csv").is_file():
        pytest.skip(f"the shared standard tables are not at {SHARED_STANDARDS.resolve()}")
    return SHARED_STANDARDS


@pytest.fixture
def catalogue(db: None) -> LoadResult:
    """The shipped catalogue, loaded (the shared demo seed may have loaded it already)."""
    return load_catalogue()


def empty_catalogue() -> None:
    """Remove every catalogue row, inside the test's transaction: a fresh installation."""
    for model in (
        Component,
        LegacyCategory,
        FilingRuleLimit,
        FilingRule,
        Category,
        MajorClass,
        ActionTag,
    ):
        model.objects.all().delete()


@pytest.fixture
def district(db: None) -> Area:
    city = Area.objects.create(code="110000", name="北京市", level=AreaLevel.CITY)
    return Area.objects.create(code="110105", name="朝阳区", level=AreaLevel.DISTRICT, parent=city)


@pytest.fixture
def water_bureau(catalogue: LoadResult, district: Area) -> Unit:
    return Unit.objects.create(
        name="朝阳区水务局",
        kind=UnitKind.DEPARTMENT,
        level=UnitLevel.DISTRICT,
        department_type=DepartmentType.objects.get(code="water"),
        area=district,
        credit_code="11110105MB0123456X",
    )


def write_csv(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[str]], encoding: str = "utf-8"
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_geojson(path: Path, features: list[dict[str, Any]]) -> Path:
    document = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path
