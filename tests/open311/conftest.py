"""Open311 tests: a citizen-source service token for the demo city, photos kept in a temporary
media folder, and rate-limit counters that start from zero in every test."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from PIL import Image

from finegrid.api.models import ApiToken
from finegrid.api.tokens import issue_service_token
from finegrid.cases.models import Source
from finegrid.geo.models import Area, Grid
from tests.cases.conftest import grid_point

#: The demo city (code prefix 9901) and one of its streets, 湖滨街道 of 明湖区.
CITY: str = "990100"
STREET: str = "990102001"
#: A grid of 湖滨街道 (明湖区).
GRID: str = "990102001001005"


@dataclass(frozen=True)
class Key:
    token: ApiToken
    secret: str


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    # Rate-limit counts live in the cache; every test from 127.0.0.1 would add to the same one.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def city_key(db: None) -> Key:
    token, secret = issue_service_token(
        name="市民App", source=Source.CITIZEN, area=Area.objects.get(code=CITY)
    )
    return Key(token, secret)


@pytest.fixture
def street_key(db: None) -> Key:
    token, secret = issue_service_token(
        name="湖滨街道小程序", source=Source.CITIZEN, area=Area.objects.get(code=STREET)
    )
    return Key(token, secret)


def point_in(prefix: str) -> tuple[float, float]:
    """(lon, lat) inside the first current grid whose code starts with `prefix`."""
    grid = Grid.objects.current().filter(code__startswith=prefix).order_by("code").first()
    assert grid is not None, prefix
    return grid_point(grid.code)


def jpeg_with_gps() -> bytes:
    """A JPEG whose EXIF says where it was taken (GPS block) and how it is oriented."""
    exif = Image.Exif()
    exif[0x0112] = 1  # orientation: kept
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 20.0), 3: "E", 4: (116.0, 23.0, 29.0)}
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "green").save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def post(client: Client, fmt: str = "json", **fields: Any) -> Any:
    """POST requests.{fmt} as a form (multipart when a field is a file)."""
    return client.post(f"/open311/v2/requests.{fmt}", fields)
