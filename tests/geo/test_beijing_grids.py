"""Where unit grids began (东城区, 2004): the real street outlines import, cut and check clean."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from finegrid.geo.imports import import_beijing_streets
from finegrid.geo.models import Area, AreaLevel, Grid
from finegrid.geo.selectors import locate_point
from tests.conftest import shared_path

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_dongcheng_and_xicheng_are_cut_into_coded_grids_that_pass_the_check() -> None:
    folder = ("data", "boundaries", "beijing-streets")
    import_beijing_streets(
        shared_path(*folder, "dongcheng-all.geojson"), shared_path(*folder, "xicheng-all.geojson")
    )

    out = StringIO()
    call_command("generate_grids", "--within", "110100", "--valid-from", "2026-01-01", stdout=out)
    call_command("check_grids", "--within", "1101", stdout=out)

    assert "检查 32 个社区，发现 0 处问题" in out.getvalue()
    undivided = Area.objects.current().filter(level=AreaLevel.COMMUNITY, code__startswith="1101")
    assert undivided.count() == 32
    assert all(code.endswith("000") for code in undivided.values_list("code", flat=True))
    grids = Grid.objects.current().filter(code__startswith="1101")
    assert 9_000 < grids.count() < 10_500
    assert all(
        len(code) == 15 and code[9:12] == "000" for code in grids.values_list("code", flat=True)
    )
    assert grids.filter(valid_from=dt.date(2026, 1, 1)).count() == grids.count()

    # Tiananmen's east side lies in 东华门街道 (110101001).
    found = locate_point(lon=116.4025, lat=39.9087)
    assert found.street is not None
    assert found.street.code == "110101001"
    assert found.grid is not None
    assert found.grid.code.startswith("110101001000")
