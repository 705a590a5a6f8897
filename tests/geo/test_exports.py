"""Exporting areas and grids as GeoJSON, and reading an area export back without changing anything."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from finegrid.geo.actions import GridDraft, replace_community_grids, set_area_boundary, upsert_area
from finegrid.geo.exports import ExportError, export_areas_geojson, export_grids_geojson
from finegrid.geo.imports import import_beijing_streets, import_boundaries
from finegrid.geo.models import Area, AreaLevel, LandUse
from finegrid.geo.version import current_geo_version
from finegrid.org.models import Unit, User
from tests.conftest import shared_path

pytestmark = pytest.mark.django_db

#: Two neighbouring squares of about 100 m × 110 m in 东城区 (WGS-84).
WEST = [
    [116.400, 39.910],
    [116.401, 39.910],
    [116.401, 39.911],
    [116.400, 39.911],
    [116.400, 39.910],
]
EAST = [
    [116.401, 39.910],
    [116.402, 39.910],
    [116.402, 39.911],
    [116.401, 39.911],
    [116.401, 39.910],
]


@pytest.fixture
def beijing() -> None:
    import_beijing_streets(
        shared_path("data", "boundaries", "beijing-streets", "dongcheng-all.geojson"),
        shared_path("data", "boundaries", "beijing-streets", "xicheng-all.geojson"),
    )


def area_rows() -> list[tuple[Any, ...]]:
    return list(
        Area.objects.order_by("pk").values_list(
            "pk", "code", "name", "parent_id", "boundary", "valid_to"
        )
    )


def test_streets_of_a_district_are_exported_with_their_properties(beijing: None) -> None:
    # When the streets below 东城区 are exported
    collection = export_areas_geojson(level=AreaLevel.STREET, parent_code="110101")

    # Then there is one feature per street, in code order, with the stored outline
    features = collection["features"]
    assert collection["type"] == "FeatureCollection"
    assert len(features) == 17
    first = features[0]
    street = Area.objects.get(code="110101001")
    assert first["id"] == "110101001"
    assert first["properties"] == {
        "code": "110101001",
        "name": "东华门街道",
        "level": "street",
        "parent_code": "110101",
        "area_class": "class2",
        "valid_from": "2000-01-01",
    }
    assert first["geometry"] == street.boundary
    assert [f["properties"]["code"] for f in features][-1] == "110101017"
    # And the collection is plain JSON
    assert json.loads(json.dumps(collection)) == collection


def test_everything_below_a_city_includes_areas_without_outlines(beijing: None) -> None:
    features = export_areas_geojson(parent_code="110100")["features"]
    assert len(features) == 2 + 32
    districts = [f for f in features if f["properties"]["level"] == "district"]
    assert [(f["id"], f["geometry"]) for f in districts] == [("110101", None), ("110102", None)]


def test_an_area_export_read_back_changes_nothing(beijing: None, tmp_path: Path) -> None:
    # Given the Beijing areas exported to a file
    path = tmp_path / "beijing.geojson"
    path.write_text(
        json.dumps(export_areas_geojson(parent_code="110100"), ensure_ascii=False), encoding="utf-8"
    )
    before, version = area_rows(), current_geo_version()

    # When the file is imported as boundaries
    report = import_boundaries(path=path)

    # Then every street matches its own area with the same name and nothing is written
    assert (len(report.matched), report.stored, report.unchanged) == (32, 0, 32)
    assert report.name_mismatches == []
    assert [(u.code, u.reason) for u in report.unmatched] == [
        ("110101", "要素没有几何（geometry 为 null）"),
        ("110102", "要素没有几何（geometry 为 null）"),
    ]
    assert area_rows() == before
    assert current_geo_version() == version


def test_grids_are_exported_with_their_unit_and_inspectors(beijing: None) -> None:
    # Given a community of 东华门街道 cut into two grids, answered for by a unit and patrolled by two
    street = Area.objects.get(code="110101001")
    community = upsert_area(
        code="110101001001", name="多福巷社区", level=AreaLevel.COMMUNITY, parent=street
    )
    set_area_boundary(
        area=community,
        geometry={"type": "Polygon", "coordinates": [WEST[:2] + EAST[1:3] + WEST[3:]]},
    )
    unit = Unit.objects.order_by("pk").first()
    assert unit is not None
    inspectors = list(User.objects.order_by("username")[:2])
    replace_community_grids(
        community=community,
        drafts=[
            GridDraft(
                serial=1,
                geometry={"type": "Polygon", "coordinates": [WEST]},
                land_use=LandUse.RESIDENTIAL,
            ),
            GridDraft(serial=2, geometry={"type": "Polygon", "coordinates": [EAST]}),
        ],
        valid_from=dt.date(2026, 1, 1),
        responsible_unit=unit,
        inspectors=inspectors,
    )

    # When the grids within the street (and within the district) are exported
    by_street = export_grids_geojson(within_code="110101001")
    by_district = export_grids_geojson(within_code="110101")

    # Then both hold exactly the two grids with their properties
    assert by_street == by_district
    features = by_street["features"]
    assert [f["id"] for f in features] == ["110101001001001", "110101001001002"]
    properties = features[0]["properties"]
    area_m2 = properties.pop("area_m2")
    assert properties == {
        "code": "110101001001001",
        "community_code": "110101001001",
        "land_use": "residential",
        "responsible_unit": unit.name,
        "inspectors": sorted(str(u) for u in inspectors),
        "valid_from": "2026-01-01",
    }
    assert 9_000 < area_m2 < 9_600  # 0.001° × 0.001° at 39.9° N: about 85 m × 111 m
    assert features[1]["properties"]["land_use"] == "mixed"
    assert export_grids_geojson(within_code="110102")["features"] == []


def test_exporting_within_an_unknown_area_is_refused() -> None:
    with pytest.raises(ExportError, match="没有代码为 119999 的现行区域"):
        export_areas_geojson(parent_code="119999")
    with pytest.raises(ExportError, match="没有代码为 119999 的现行区域"):
        export_grids_geojson(within_code="119999")


def test_export_command_writes_to_stdout_or_a_file(
    beijing: None, tmp_path: Path, capsys: Any
) -> None:
    call_command("export_geojson", "--what=areas", "--level=street", "--within=110102")
    printed = json.loads(capsys.readouterr().out)
    assert [f["properties"]["name"] for f in printed["features"]][:2] == [
        "西长安街街道",
        "新街口街道",
    ]
    assert len(printed["features"]) == 15

    output = tmp_path / "streets.geojson"
    call_command(
        "export_geojson", "--what=areas", "--level=street", "--within=110102", "-o", str(output)
    )
    assert json.loads(output.read_text(encoding="utf-8")) == printed
    assert capsys.readouterr().out.strip() == f"已写出 15 个要素到 {output}"


def test_export_command_refuses_what_it_cannot_do() -> None:
    with pytest.raises(CommandError, match="--level 只能与 --what areas 一起使用"):
        call_command("export_geojson", "--what=grids", "--level=street")
    with pytest.raises(CommandError, match="没有代码为 119999 的现行区域"):
        call_command("export_geojson", "--what=grids", "--within=119999")
