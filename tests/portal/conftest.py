"""Portal test helpers: empty rate counters, photos kept in a temporary folder, a filled-in report
form, and public cases taken along the workflow in the recent past (so that a citizen acting now
comes after the last step)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from finegrid.cases.models import Case
from finegrid.cases.workflow import Status
from finegrid.org.models import User
from finegrid.portal.actions import new_form_token
from tests.cases.builders import case_in, grid_point


@pytest.fixture(autouse=True)
def _empty_counters() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def report_data(**overrides: Any) -> dict[str, Any]:
    """A complete, valid report form as a browser posts it (WGS-84 pin in a demo grid)."""
    lon, lat = grid_point()
    data: dict[str, Any] = {
        "form_token": new_form_token(),
        "lon": f"{lon:.7f}",
        "lat": f"{lat:.7f}",
        "crs": "wgs84",
        "description": "湖滨路口人行道上堆了一堆建筑垃圾",
        "address": "湖滨路与公园路交叉口东北角",
        "category": "",
        "name": "王女士",
        "phone": "138 1234 5678",
    }
    data.update(overrides)
    return data


def recent_case(status: Status, cast: Mapping[str, User], **options: Any) -> Case:
    """A public case (with a tracking code) whose steps all lie in the last few hours."""
    start = timezone.now() - dt.timedelta(hours=3)
    return case_in(status, cast=cast, public=True, start=start, **options)
