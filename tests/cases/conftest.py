"""Helpers for case tests: a point inside a demo grid, a tiny valid JPEG, the filing choices."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from shapely.geometry import shape

from finegrid.catalogue.models import Category, FilingRule, Kind
from finegrid.geo.models import Grid


def grid_point(code: str = "990102001001005") -> tuple[float, float]:
    point = shape(Grid.objects.get(code=code).boundary).representative_point()
    return point.x, point.y


def jpeg_bytes(colour: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture
def exposed_rubbish(db: None) -> tuple[Category, FilingRule]:
    category = Category.objects.get(kind=Kind.MATTER, name="暴露垃圾")
    return category, category.filing_rules.order_by("order").first()  # type: ignore[return-value]
