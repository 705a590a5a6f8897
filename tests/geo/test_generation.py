"""Grid generation: cells of about the target size, clipped, slivers merged, coded west→east, north→south."""

from __future__ import annotations

import datetime as dt
import itertools
from io import StringIO

import pytest
import shapely
from django.core.management import CommandError, call_command
from shapely.geometry import Point, box, shape

from finegrid.geo.actions import set_area_boundary, upsert_area
from finegrid.geo.coverage import ViolationKind, check_community, significant
from finegrid.geo.generation import GenerationError, GenerationOptions, cut_outline
from finegrid.geo.geometry import (
    area_m2,
    equal_area_plane,
    metric_transformers,
    to_degrees,
    to_geojson,
    to_metres,
)
from finegrid.geo.grids import generate_grids
from finegrid.geo.models import Area, AreaLevel, Grid

# A 1 km × 0.6 km rectangle in metres around (120.30, 31.50), as WGS-84.
_forward, _inverse = equal_area_plane(120.3, 31.5)
RECT = to_degrees(box(0, 0, 1000, 600), _inverse)


def test_a_rectangle_is_cut_into_whole_cells_coded_west_to_east_then_north_to_south() -> None:
    drafts = cut_outline(RECT)
    assert [d.serial for d in drafts] == list(range(1, 61))
    centres = [shape(d.geometry).centroid for d in drafts]
    first_row = centres[:10]
    assert all(a.x < b.x for a, b in itertools.pairwise(first_row))  # west → east
    assert centres[0].y > centres[10].y > centres[50].y  # then north → south
    areas = [area_m2(shape(d.geometry)) for d in drafts]
    assert min(areas) == pytest.approx(10_000, rel=1e-3)
    assert max(areas) == pytest.approx(10_000, rel=1e-3)


def test_slivers_are_merged_into_a_neighbour_and_nothing_is_lost() -> None:
    # 1,020 m × 610 m: the lattice leaves 20 m and 10 m strips, below 30 % of a cell.
    outline = to_degrees(box(0, 0, 1020, 610), _inverse)
    drafts = cut_outline(outline)
    areas = [area_m2(shape(d.geometry)) for d in drafts]
    assert len(drafts) == 60
    assert min(areas) == pytest.approx(10_000, rel=1e-3)
    assert max(areas) == pytest.approx(120 * 110, rel=1e-3)  # the corner took both strips
    assert sum(areas) == pytest.approx(area_m2(outline), rel=1e-5)  # 1e-7° rounding


def test_cell_size_is_configurable_and_the_999_serial_limit_is_enforced() -> None:
    assert len(cut_outline(RECT, GenerationOptions(cell_m2=40_000))) == 15
    with pytest.raises(GenerationError, match="将被划分为1500个网格，超过顺序码上限999个"):
        cut_outline(RECT, GenerationOptions(cell_m2=400))


def test_an_irregular_outline_is_covered_exactly() -> None:
    outline = Point(120.3, 31.5).buffer(0.006).union(Point(120.308, 31.503).buffer(0.004))
    drafts = cut_outline(outline)
    cells = [shape(d.geometry) for d in drafts]
    assert sum(c.area for c in cells) == pytest.approx(outline.area, rel=1e-6)
    union = shapely.union_all(cells)
    forward, _inv = metric_transformers(outline)
    difference = to_metres(outline.symmetric_difference(union), forward)
    assert [
        p.area for p in shapely.get_parts(difference) if significant(p)
    ] == []  # rounding slivers only


@pytest.mark.django_db
def test_demo_city_grids_cover_every_community_without_gap_or_overlap() -> None:
    communities = Area.objects.current().filter(level=AreaLevel.COMMUNITY, code__startswith="9901")
    assert communities.count() == 25
    assert 2_500 < Grid.objects.current().filter(code__startswith="9901").count() < 4_000
    assert [v for c in communities for v in check_community(c)] == []
    grid = Grid.objects.get(code="990102001001001")
    assert grid.community.code == "990102001001"
    assert [u.username for u in grid.inspectors.all()] == ["inspector"]
    assert grid.responsible_unit is not None
    assert grid.responsible_unit.name == "明湖区湖滨街道办事处"


@pytest.mark.django_db
def test_check_finds_an_overlap_a_gap_and_an_overhang_naming_the_grids() -> None:
    community = Area.objects.get(code="990102001002")
    cells = list(Grid.objects.current().filter(community=community).order_by("code"))
    assert check_community(community) == []
    # Grow the first (northmost, so boundary) grid by ~10 m, and delete the last to leave a hole.
    victim, removed = cells[0], cells[-1]
    victim.boundary = to_geojson(shape(victim.boundary).buffer(0.0001))
    victim.save()
    removed.delete()

    found = check_community(community)

    by_kind = {kind: [v for v in found if v.kind == kind] for kind in ViolationKind}
    assert [v.grid_codes for v in by_kind[ViolationKind.OUTSIDE]] == [(victim.code,)]
    assert all(victim.code in v.grid_codes for v in by_kind[ViolationKind.OVERLAP])
    assert len(by_kind[ViolationKind.OVERLAP]) >= 1
    assert len(by_kind[ViolationKind.GAP]) == 1
    assert by_kind[ViolationKind.GAP][0].area_m2 == pytest.approx(removed.area_m2, rel=0.01)
    out = StringIO()
    with pytest.raises(CommandError, match=r"检查 1 个社区，发现 \d+ 处问题"):
        call_command("check_grids", "--within", community.code, stdout=out)
    assert "990102001002 越界" in out.getvalue()
    assert victim.code in out.getvalue()


@pytest.mark.django_db
def test_streets_without_community_outlines_are_cut_as_an_undivided_community() -> None:
    district = Area.objects.get(code="990104")
    street = upsert_area(code="990104009", name="试验街道", level=AreaLevel.STREET, parent=district)
    set_area_boundary(
        area=street, geometry=to_geojson(to_degrees(box(50_000, 0, 50_500, 400), _inverse))
    )
    done = generate_grids(within=street, valid_from=dt.date(2026, 3, 1))
    assert [(d.code, d.grids) for d in done] == [("990104009000", 20)]
    codes = list(
        Grid.objects.current().filter(community__code="990104009000").values_list("code", flat=True)
    )
    assert codes[0] == "990104009000001"
    assert len(codes) == 20

    # Regenerating on a later day retires the old generation instead of deleting it.
    coarse = GenerationOptions(cell_m2=40_000)
    generate_grids(within=street, valid_from=dt.date(2026, 6, 1), options=coarse)
    retired = Grid.objects.filter(community__code="990104009000", valid_to=dt.date(2026, 6, 1))
    assert retired.count() == 20
    expected = len(cut_outline(shape(street.boundary), coarse))
    assert 4 <= expected <= 9
    assert Grid.objects.current().filter(community__code="990104009000").count() == expected


@pytest.mark.django_db
def test_generate_grids_command_reports_an_unknown_area() -> None:
    with pytest.raises(CommandError, match="没有代码为123456的现行区域"):
        call_command("generate_grids", "--within", "123456", stdout=StringIO())
