"""Importing areas from statistical-code CSVs and outlines from GeoJSON, with the real shared data."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from pyproj import Geod
from shapely.geometry import shape

from finegrid.geo.actions import set_area_boundary, upsert_area
from finegrid.geo.crs import CRS
from finegrid.geo.imports import (
    GeoImportError,
    import_areas,
    import_beijing_streets,
    import_boundaries,
)
from finegrid.geo.models import Area, AreaClass, AreaLevel
from finegrid.geo.version import current_geo_version
from tests.conftest import shared_path

pytestmark = pytest.mark.django_db

GEOD = Geod(ellps="WGS84")


def divisions(name: str) -> Path:
    return shared_path("data", "admin-divisions", name)


def data_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def snapshot() -> tuple[list[tuple[Any, ...]], int]:
    """Every area as stored (name, parent, class, outline...) and the geography version."""
    rows = list(
        Area.objects.order_by("pk").values_list(
            "pk", "code", "name", "level", "parent_id", "area_class", "valid_to", "boundary"
        )
    )
    return rows, current_geo_version()


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def feature_collection(*features: dict[str, Any], crs: str | None = None) -> str:
    data: dict[str, Any] = {"type": "FeatureCollection", "features": list(features)}
    if crs is not None:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(data, ensure_ascii=False)


def polygon_feature(code: Any, ring: list[list[float]], name: str | None = None) -> dict[str, Any]:
    properties: dict[str, Any] = {"code": code}
    if name is not None:
        properties["name"] = name
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


#: About 1 km × 1 km east of Wuxi's centre (WGS-84).
SQUARE = [[120.40, 31.50], [120.41, 31.50], [120.41, 31.51], [120.40, 31.51], [120.40, 31.50]]
OTHER_SQUARE = [[120.42, 31.52], [120.43, 31.52], [120.43, 31.53], [120.42, 31.53], [120.42, 31.52]]


@pytest.fixture
def xishan() -> Area:
    """无锡市 320200 with 锡山区 320205 and its street 东亭街道 320205001, without outlines."""
    city = upsert_area(code="320200", name="无锡市", level=AreaLevel.CITY, parent=None)
    district = upsert_area(code="320205", name="锡山区", level=AreaLevel.DISTRICT, parent=city)
    upsert_area(code="320205001", name="东亭街道", level=AreaLevel.STREET, parent=district)
    return district


# ---------------------------------------------------------------------------------------------
# Areas from the Wuxi statistical-code CSVs


def import_wuxi() -> Any:
    return import_areas(
        city_code="320200",
        city_name="无锡市",
        districts=divisions("wuxi_320200_areas.csv"),
        streets=divisions("wuxi_320200_streets.csv"),
        communities=divisions("wuxi_320200_villages.csv"),
    )


@pytest.mark.slow  # 1,350 areas through upsert_area, one at a time: about 8 s
def test_wuxi_csvs_create_exactly_the_areas_in_the_files_and_a_rerun_nothing() -> None:
    # Given the three Wuxi files and a database holding only the demo city
    districts = data_rows(divisions("wuxi_320200_areas.csv"))
    streets = data_rows(divisions("wuxi_320200_streets.csv"))
    villages = data_rows(divisions("wuxi_320200_villages.csv"))
    demo_before = Area.objects.filter(code__startswith="9901").count()

    # When they are imported
    report = import_wuxi()

    # Then one area per row is created, level by level, and nothing else
    assert {level: c.created for level, c in report.counts.items()} == {
        AreaLevel.CITY: 1,
        AreaLevel.DISTRICT: len(districts),
        AreaLevel.STREET: len(streets),
        AreaLevel.COMMUNITY: len(villages),
    }
    assert (len(districts), len(streets), len(villages)) == (7, 88, 1254)
    assert report.updated == 0
    wuxi = Area.objects.current().filter(code__startswith="3202")
    assert wuxi.count() == 1 + 7 + 88 + 1254
    assert Area.objects.filter(code__startswith="9901").count() == demo_before
    # And the tree follows the codes; official names are kept as given (居委会 included)
    community = Area.objects.get(code="320205001001")
    assert community.name == "门楼社区居委会"
    assert [(a.code, a.name) for a in community.ancestors()] == [
        ("320200", "无锡市"),
        ("320205", "锡山区"),
        ("320205001", "东亭街道"),
    ]
    assert Area.objects.get(code="320282").name == "宜兴市"
    assert Area.objects.get(code="320200").level == AreaLevel.CITY

    # When the same files are imported again
    before = snapshot()
    again = import_wuxi()

    # Then every area is reported unchanged and the database (and its version) is as it was
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1 + 7 + 88 + 1254)
    assert snapshot() == before


def test_a_renamed_community_is_updated_in_place_and_keeps_its_class(tmp_path: Path) -> None:
    # Given a small city imported, and its street marked core by the city's administrator
    districts = write(tmp_path / "districts.csv", "code,name\n320205,锡山区\n")
    streets = write(tmp_path / "streets.csv", "code,name,areaCode\n320205001,东亭街道,320205\n")
    communities = write(
        tmp_path / "villages.csv", "code,name,streetCode\n320205001001,门楼社区居委会,320205001\n"
    )
    import_areas(
        city_code="320200",
        city_name="无锡市",
        districts=districts,
        streets=streets,
        communities=communities,
    )
    street = Area.objects.get(code="320205001")
    upsert_area(
        code=street.code,
        name=street.name,
        level=AreaLevel.STREET,
        parent=street.parent,
        area_class=AreaClass.CORE,
    )
    community_pk = Area.objects.get(code="320205001001").pk

    # When the community's name changes in the file and it is imported again
    write(communities, "code,name,streetCode\n320205001001,门楼社区,320205001\n")
    report = import_areas(
        city_code="320200",
        city_name="无锡市",
        districts=districts,
        streets=streets,
        communities=communities,
    )

    # Then that one area is updated in place and the street keeps its class
    assert report.counts[AreaLevel.COMMUNITY].updated == 1
    assert (report.created, report.updated, report.unchanged) == (0, 1, 3)
    community = Area.objects.current().get(code="320205001001")
    assert (community.pk, community.name) == (community_pk, "门楼社区")
    assert Area.objects.get(code="320205001").area_class == AreaClass.CORE


GOOD_DISTRICTS = "code,name\n320205,锡山区\n320206,惠山区\n"
GOOD_STREETS = "code,name,areaCode\n320205001,东亭街道,320205\n320206001,堰桥街道,320206\n"


@pytest.mark.parametrize(
    ("districts", "streets", "expected"),
    [
        pytest.param(
            "code,name\n320205,锡山区\n32020,惠山区\n",
            GOOD_STREETS,
            [
                "districts.csv 第 3 行，字段 code：区(县)代码应为6位数字，实际为“32020”",
                "streets.csv 第 3 行，字段 areaCode：上级区域 320206 不存在（文件和数据库中都没有这个区(县)）",
            ],
            id="code-of-wrong-length",
        ),
        pytest.param(
            GOOD_DISTRICTS,
            "code,name,areaCode\n320205001,东亭街道,320205\n320205002,安镇街道,320206\n",
            ["streets.csv 第 3 行，字段 code：代码 320205002 应以上级区域代码 320206 开头"],
            id="street-outside-its-district",
        ),
        pytest.param(
            GOOD_DISTRICTS,
            "code,name,areaCode\n320205001,东亭街道,320205\n320205001,安镇街道,320205\n",
            ["streets.csv 第 3 行，字段 code：代码 320205001 与第 2 行重复"],
            id="duplicate-code",
        ),
        pytest.param(
            GOOD_DISTRICTS,
            "code,name,areaCode\n320205001,东亭街道,320205\n320205002,安镇街道\n",
            ["streets.csv 第 3 行，字段 -：应有 3 列，实际有 2 列"],
            id="malformed-row",
        ),
        pytest.param(
            GOOD_DISTRICTS,
            'code,name,areaCode\n320205001,"东亭街道,320205\n320206001,堰桥街道,320206\n',
            [
                "streets.csv 第 2 行，字段 -：CSV 格式错误（请检查引号是否成对）：unexpected end of data"
            ],
            id="unclosed-quote",
        ),
        pytest.param(
            "code,name\n320205,锡山区\n320206, \n",
            GOOD_STREETS,
            ["districts.csv 第 3 行，字段 name：名称为空"],
            id="empty-name",
        ),
        pytest.param(
            "code,name\n320205,锡山区\n320405,天宁区\n",
            "code,name,areaCode\n320205001,东亭街道,320205\n",
            ["districts.csv 第 3 行，字段 code：区(县)代码 320405 的前4位应与所属市 320200 一致"],
            id="district-of-another-city",
        ),
        pytest.param(
            GOOD_DISTRICTS,
            "code,name,areaCode\n320205001,东亭街道,320205\n320207001,某街道,320207\n",
            [
                "streets.csv 第 3 行，字段 areaCode：上级区域 320207 不存在（文件和数据库中都没有这个区(县)）"
            ],
            id="unknown-parent",
        ),
        pytest.param(
            GOOD_DISTRICTS,
            "code,name\n320205001,东亭街道\n",
            ["streets.csv 第 1 行，字段 -：表头缺少列 areaCode（应包含 code,name,areaCode）"],
            id="missing-column",
        ),
        pytest.param(
            "code,name\n320200,无锡\n",
            "code,name,areaCode\n320205001,东亭街道,320205\n",
            [
                "districts.csv 第 2 行，字段 code：代码 320200 与市代码重复",
                "streets.csv 第 2 行，字段 areaCode：上级区域 320205 不存在（文件和数据库中都没有这个区(县)）",
            ],
            id="district-with-the-city-code",
        ),
    ],
)
def test_a_bad_row_refuses_the_whole_import(
    tmp_path: Path, districts: str, streets: str, expected: list[str]
) -> None:
    # Given files with one bad row among good ones
    before = snapshot()
    paths = write(tmp_path / "districts.csv", districts), write(tmp_path / "streets.csv", streets)

    # When they are imported
    with pytest.raises(GeoImportError) as refused:
        import_areas(
            city_code="320200",
            city_name="无锡市",
            districts=paths[0],
            streets=paths[1],
            communities=None,
        )

    # Then every problem names file, row, field and reason, and nothing at all was written
    assert [str(p) for p in refused.value.problems] == expected
    assert snapshot() == before


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    # Given a districts file saved in GBK, as older spreadsheets do
    districts = tmp_path / "districts.csv"
    districts.write_bytes("code,name\n320205,锡山区\n".encode("gbk"))
    before = snapshot()

    # When it is imported, then it is refused as a whole and nothing is written
    with pytest.raises(GeoImportError) as refused:
        import_areas(city_code="320200", city_name="无锡市", districts=districts)
    assert [str(p) for p in refused.value.problems] == [
        "districts.csv，-：文件不是 UTF-8 编码，请另存为 UTF-8 格式的 CSV"
    ]
    assert snapshot() == before


def test_a_city_code_not_ending_in_00_is_refused(tmp_path: Path) -> None:
    districts = write(tmp_path / "districts.csv", GOOD_DISTRICTS)
    before = snapshot()
    with pytest.raises(GeoImportError) as refused:
        import_areas(city_code="320205", city_name="无锡市", districts=districts)
    assert [str(p) for p in refused.value.problems] == [
        "city_code：市代码应为以00结尾的6位数字，实际为“320205”"
    ]
    assert snapshot() == before


def test_streets_can_hang_on_districts_already_in_the_database(tmp_path: Path) -> None:
    # Given the districts imported on their own
    districts = write(tmp_path / "districts.csv", GOOD_DISTRICTS)
    import_areas(city_code="320200", city_name="无锡市", districts=districts)
    # When only the streets follow (the districts file again, unchanged)
    streets = write(tmp_path / "streets.csv", GOOD_STREETS)
    report = import_areas(
        city_code="320200", city_name="无锡市", districts=districts, streets=streets
    )
    # Then the streets are created under them
    assert report.counts[AreaLevel.STREET].created == 2
    assert Area.objects.get(code="320206001").parent == Area.objects.get(code="320206")


def test_import_areas_command_prints_counts_per_level(tmp_path: Path, capsys: Any) -> None:
    districts = write(tmp_path / "districts.csv", GOOD_DISTRICTS)
    streets = write(tmp_path / "streets.csv", GOOD_STREETS)
    call_command(
        "import_areas",
        "--city-code=320200",
        "--city-name=无锡市",
        f"--districts={districts}",
        f"--streets={streets}",
    )
    out = capsys.readouterr().out
    assert "市：新增 1，更新 0，未变 0" in out
    assert "区(县)：新增 2，更新 0，未变 0" in out
    assert "街道(乡镇)：新增 2，更新 0，未变 0" in out
    assert "已导入 320200 的区域：共新增 5 个，更新 0 个。" in out


def test_import_areas_command_lists_problems_and_fails(tmp_path: Path, capsys: Any) -> None:
    districts = write(tmp_path / "districts.csv", "code,name\n320205,锡山区\n3202x6,惠山区\n")
    before = snapshot()
    with pytest.raises(CommandError, match="共 1 处错误，未导入任何数据。"):
        call_command(
            "import_areas", "--city-code=320200", "--city-name=无锡市", f"--districts={districts}"
        )
    assert capsys.readouterr().err.splitlines() == [
        "districts.csv 第 3 行，字段 code：区(县)代码应为6位数字，实际为“3202x6”"
    ]
    assert snapshot() == before


# ---------------------------------------------------------------------------------------------
# Outlines from the DataV files (GCJ-02) and the Beijing street files (WGS-84)


def test_datav_county_outlines_land_on_the_wuxi_districts_in_wgs84() -> None:
    # Given the Wuxi districts from the statistical codes
    import_areas(
        city_code="320200", city_name="无锡市", districts=divisions("wuxi_320200_areas.csv")
    )
    county_files = sorted(shared_path("data", "boundaries", "datav", "county").glob("3202*.json"))
    assert [p.stem for p in county_files] == [
        "320205", "320206", "320211", "320213", "320214", "320281", "320282"
    ]  # fmt: skip

    # When each DataV county file is imported as GCJ-02
    reports = [import_boundaries(path=p, crs=CRS.GCJ02) for p in county_files]

    # Then all 7 districts match by adcode, with the same names, and now have outlines
    assert [m.code for r in reports for m in r.matched] == [p.stem for p in county_files]
    assert [u for r in reports for u in r.unmatched] == []
    assert [m for r in reports for m in r.name_mismatches] == []
    assert not Area.objects.filter(
        code__startswith="3202", level="district", boundary=None
    ).exists()
    # And the stored outline is the GCJ-02 one moved back a few hundred metres
    raw = json.loads(county_files[3].read_text(encoding="utf-8"))["features"][0]["geometry"]
    gcj = shape(raw).centroid
    wgs = shape(Area.objects.get(code="320213").boundary).centroid
    _, _, metres = GEOD.inv(gcj.x, gcj.y, wgs.x, wgs.y)
    assert 300 < metres < 800
    assert wgs.x < gcj.x  # GCJ-02 pushes Wuxi east and a little south
    assert wgs.y > gcj.y


def test_reimporting_the_same_outline_writes_nothing() -> None:
    import_areas(
        city_code="320200", city_name="无锡市", districts=divisions("wuxi_320200_areas.csv")
    )
    path = shared_path("data", "boundaries", "datav", "county", "320213.json")
    import_boundaries(path=path, crs=CRS.GCJ02)
    before = snapshot()

    report = import_boundaries(path=path, crs=CRS.GCJ02)

    assert (report.stored, report.unchanged) == (0, 1)
    assert snapshot() == before


def test_datav_zhangzhou_is_refused_for_two_self_intersecting_outlines() -> None:
    # Given Zhangzhou's 2023 districts (龙海区 350604 and 长泰区 350605 are newer than DataV's codes)
    import_areas(
        city_code="350600", city_name="漳州市", districts=divisions("zhangzhou_350600_areas.csv")
    )
    before = snapshot()
    path = shared_path("data", "boundaries", "datav", "350600.json")

    # When DataV's 2021 city file is imported
    with pytest.raises(GeoImportError) as refused:
        import_boundaries(path=path, crs=CRS.GCJ02)

    # Then the two outlines DataV draws crossing themselves refuse the file, nothing is stored,
    # and the report also names the two codes that no longer exist
    assert [str(p) for p in refused.value.problems] == [
        "350600.json features[2]（代码 350622）：多边形无效：Self-intersection[117.133532018928 24.0560433198868]",
        "350600.json features[8]（代码 350628）：多边形无效：Self-intersection[117.136675830084 24.054079352393]",
    ]
    assert refused.value.report is not None
    assert [(u.code, u.name, u.reason) for u in refused.value.report.unmatched] == [
        ("350625", "长泰区", "没有代码为 350625 的现行区域"),
        ("350681", "龙海区", "没有代码为 350681 的现行区域"),
    ]
    assert snapshot() == before


def test_unmatched_features_are_reported_and_the_rest_stored() -> None:
    # Given Zhangzhou's districts and DataV's 2021 county files of three of them
    import_areas(
        city_code="350600", city_name="漳州市", districts=divisions("zhangzhou_350600_areas.csv")
    )
    county = shared_path("data", "boundaries", "datav", "county")

    # When they are imported
    reports = [
        import_boundaries(path=county / f"{code}.json", crs=CRS.GCJ02)
        for code in ("350602", "350625", "350681")
    ]

    # Then 芗城区 gets its outline, and the two renumbered districts are reported, not stored
    assert [m.code for r in reports for m in r.matched] == ["350602"]
    assert [(u.code, u.name, u.reason) for r in reports for u in r.unmatched] == [
        ("350625", "长泰区", "没有代码为 350625 的现行区域"),
        ("350681", "龙海区", "没有代码为 350681 的现行区域"),
    ]
    assert Area.objects.get(code="350605").boundary is None
    assert Area.objects.get(code="350602").boundary is not None


def test_strict_mode_refuses_a_file_with_unmatched_features() -> None:
    import_areas(
        city_code="350600", city_name="漳州市", districts=divisions("zhangzhou_350600_areas.csv")
    )
    before = snapshot()
    path = shared_path("data", "boundaries", "datav", "county", "350625.json")

    with pytest.raises(GeoImportError) as refused:
        import_boundaries(path=path, crs=CRS.GCJ02, strict=True)

    assert [str(p) for p in refused.value.problems] == [
        "350625.json features[0]（代码 350625）：没有代码为 350625 的现行区域"
    ]
    assert snapshot() == before


def test_beijing_streets_are_created_with_their_outlines() -> None:
    dongcheng = shared_path("data", "boundaries", "beijing-streets", "dongcheng-all.geojson")
    xicheng = shared_path("data", "boundaries", "beijing-streets", "xicheng-all.geojson")

    report = import_beijing_streets(dongcheng, xicheng)

    assert report.crs == {"dongcheng-all.geojson": CRS.WGS84, "xicheng-all.geojson": CRS.WGS84}
    assert (len(report.matched), len(report.created), len(report.unmatched)) == (32, 32, 0)
    streets = Area.objects.current().filter(level=AreaLevel.STREET, code__startswith="1101")
    assert streets.filter(parent__code="110101").count() == 17
    assert streets.filter(parent__code="110102").count() == 15
    assert not streets.filter(boundary=None).exists()
    street = Area.objects.get(code="110101001")
    assert street.name == "东华门街道"
    assert [(a.code, a.name) for a in street.ancestors()] == [
        ("110100", "北京市"),
        ("110101", "东城区"),
    ]
    assert Area.objects.get(code="110102020").name == "广安门外街道"
    # The file is WGS-84 (it says CRS84): the outline is stored as given, not shifted
    raw = json.loads(dongcheng.read_text(encoding="utf-8"))["features"][0]["geometry"]
    assert shape(street.boundary).equals(shape(raw))

    again = import_beijing_streets(dongcheng, xicheng)
    assert (again.created, again.stored, again.unchanged) == ([], 0, 32)


def test_streets_created_by_the_command_under_a_given_parent(capsys: Any) -> None:
    city = upsert_area(code="110100", name="北京市", level=AreaLevel.CITY, parent=None)
    upsert_area(code="110101", name="东城区", level=AreaLevel.DISTRICT, parent=city)
    path = shared_path("data", "boundaries", "beijing-streets", "dongcheng-all.geojson")

    call_command("import_boundaries", str(path), "--create-missing", "--parent=110101")

    assert capsys.readouterr().out.strip() == (
        "坐标系 wgs84：匹配 17 个要素（新建区域 17 个，保存边界 17 个，未变 0 个），未匹配 0 个，名称不一致 0 个。"
    )
    assert Area.objects.filter(parent__code="110101", boundary__isnull=False).count() == 17


def test_creating_under_the_wrong_parent_is_refused() -> None:
    city = upsert_area(code="110100", name="北京市", level=AreaLevel.CITY, parent=None)
    upsert_area(code="110102", name="西城区", level=AreaLevel.DISTRICT, parent=city)
    before = snapshot()
    path = shared_path("data", "boundaries", "beijing-streets", "dongcheng-all.geojson")

    with pytest.raises(GeoImportError) as refused:
        import_boundaries(path=path, create_missing=True, parent_code="110102")

    assert len(refused.value.problems) == 17
    assert str(refused.value.problems[0]) == (
        "dongcheng-all.geojson features[0]（代码 110101001000）：代码 110101001 不属于上级区域 110102"
    )
    assert snapshot() == before


# ---------------------------------------------------------------------------------------------
# Bad GeoJSON: refused feature by feature, nothing stored


#: Two triangles meeting at a point; lopsided, so that its signed area is not zero.
BOW_TIE = [[120.40, 31.50], [120.41, 31.52], [120.41, 31.50], [120.40, 31.51], [120.40, 31.50]]
SWAPPED = [[lat, lon] for lon, lat in SQUARE]


@pytest.mark.parametrize(
    ("bad_feature", "reason"),
    [
        pytest.param(
            polygon_feature("320205001", BOW_TIE),
            "多边形无效：Self-intersection[120.403333333333 31.5066666666667]",
            id="bow-tie",
        ),
        pytest.param(
            {
                "type": "Feature",
                "properties": {"code": "320205001"},
                "geometry": {"type": "Polygon", "coordinates": []},
            },
            "多边形为空",
            id="empty-polygon",
        ),
        pytest.param(
            polygon_feature("320205001", SWAPPED),
            "坐标不在中国境内，经纬度似乎写反了（应为[经度, 纬度]）",
            id="swapped-lon-lat",
        ),
        pytest.param(
            {
                "type": "Feature",
                "properties": {"code": "320205001"},
                "geometry": {"type": "Point", "coordinates": [120.4, 31.5]},
            },
            "几何类型应为Polygon或MultiPolygon，实际为Point",
            id="point",
        ),
        pytest.param(
            polygon_feature("320205", OTHER_SQUARE),
            "与 features[0] 的代码 320205 重复",
            id="duplicate-code",
        ),
    ],
)
def test_a_bad_feature_refuses_the_whole_file(
    tmp_path: Path, xishan: Area, bad_feature: dict[str, Any], reason: str
) -> None:
    # Given a file whose first feature is fine and whose second is bad
    path = write(
        tmp_path / "bad.geojson",
        feature_collection(polygon_feature(320205, SQUARE, "锡山区"), bad_feature),
    )
    before = snapshot()

    # When it is imported
    with pytest.raises(GeoImportError) as refused:
        import_boundaries(path=path)

    # Then the bad feature is named with its index, code and reason, and nothing is stored
    code = bad_feature["properties"]["code"]
    assert [str(p) for p in refused.value.problems] == [
        f"bad.geojson features[1]（代码 {code}）：{reason}"
    ]
    assert snapshot() == before
    assert Area.objects.get(code="320205").boundary is None


def test_a_code_of_the_wrong_length_is_unmatched_and_blocks_only_in_strict_mode(
    tmp_path: Path, xishan: Area
) -> None:
    path = write(
        tmp_path / "codes.geojson",
        feature_collection(
            polygon_feature("320205", SQUARE, "锡山区"),
            polygon_feature("3202051", OTHER_SQUARE, "某地"),
        ),
    )
    before = snapshot()

    with pytest.raises(GeoImportError) as refused:
        import_boundaries(path=path, strict=True)
    assert [str(p) for p in refused.value.problems] == [
        "codes.geojson features[1]（代码 3202051）：代码 3202051 应为6、9或12位数字，实际为7位"
    ]
    assert snapshot() == before

    report = import_boundaries(path=path)
    assert [m.code for m in report.matched] == ["320205"]
    assert [str(u) for u in report.unmatched] == [
        "codes.geojson features[1]（代码 3202051，某地）：代码 3202051 应为6、9或12位数字，实际为7位"
    ]


def test_a_padded_12_digit_code_matches_the_street_and_a_different_name_is_flagged(
    tmp_path: Path, xishan: Area
) -> None:
    path = write(
        tmp_path / "streets.geojson",
        feature_collection(polygon_feature(320205001000, SQUARE, "东亭街道办事处")),
    )

    report = import_boundaries(path=path)

    assert [
        (m.code, m.feature_code, m.feature_name, m.area_name) for m in report.name_mismatches
    ] == [("320205001", "320205001000", "东亭街道办事处", "东亭街道")]
    street = Area.objects.get(code="320205001")
    assert street.name == "东亭街道"
    assert (street.min_lon, street.min_lat, street.max_lon, street.max_lat) == (
        120.40,
        31.50,
        120.41,
        31.51,
    )


def test_a_feature_of_another_level_than_asked_is_unmatched(tmp_path: Path, xishan: Area) -> None:
    # Given a district's outline, when it is imported as streets, then it matches nothing
    path = write(tmp_path / "d.geojson", feature_collection(polygon_feature("320205", SQUARE)))
    report = import_boundaries(path=path, level=AreaLevel.STREET)
    assert [u.reason for u in report.unmatched] == ["代码 320205 是区(县)代码，不是街道(乡镇)代码"]
    assert report.matched == ()


def test_a_declared_crs_is_followed_and_an_unknown_one_refused(
    tmp_path: Path, xishan: Area
) -> None:
    wgs = write(
        tmp_path / "wgs.geojson",
        feature_collection(polygon_feature("320205", SQUARE), crs="urn:ogc:def:crs:OGC:1.3:CRS84"),
    )
    assert import_boundaries(path=wgs).crs == {"wgs.geojson": CRS.WGS84}

    metres = write(
        tmp_path / "metres.geojson",
        feature_collection(polygon_feature("320205", SQUARE), crs="urn:ogc:def:crs:EPSG::3857"),
    )
    before = snapshot()
    with pytest.raises(GeoImportError) as refused:
        import_boundaries(path=metres)
    assert [str(p) for p in refused.value.problems] == [
        "metres.geojson：文件声明的坐标系 urn:ogc:def:crs:EPSG::3857 不受支持；"
        "若坐标实为经纬度，请用 --crs 指明 wgs84、gcj02 或 bd09"
    ]
    assert snapshot() == before


def test_a_file_that_is_not_geojson_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.json", '{"type": "FeatureCollection", "features": [')
    with pytest.raises(GeoImportError) as refused:
        import_boundaries(path=path)
    assert [str(p) for p in refused.value.problems] == [
        "broken.json：不是合法的JSON：第 1 行第 44 列，Expecting value"
    ]


def test_import_boundaries_command_reports_refusals_and_fails(
    tmp_path: Path, xishan: Area, capsys: Any
) -> None:
    path = write(
        tmp_path / "bad.geojson",
        feature_collection(
            polygon_feature("320205", BOW_TIE), polygon_feature("320299", SQUARE, "无名区")
        ),
    )
    before = snapshot()
    with pytest.raises(CommandError, match="共 1 个要素被拒绝，未保存任何边界。"):
        call_command("import_boundaries", str(path), "--crs=gcj02")
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "未匹配：bad.geojson features[1]（代码 320299，无名区）：没有代码为 320299 的现行区域"
    ]
    assert captured.err.splitlines() == [
        "bad.geojson features[0]（代码 320205）：多边形无效：Self-intersection[120.403333333333 31.5066666666667]"
    ]
    assert snapshot() == before


def test_import_boundaries_command_refuses_bad_options(tmp_path: Path, xishan: Area) -> None:
    path = write(tmp_path / "d.geojson", feature_collection(polygon_feature("320205", SQUARE)))
    with pytest.raises(CommandError, match="无法识别的坐标系“mars”"):
        call_command("import_boundaries", str(path), "--crs=mars")
    with pytest.raises(CommandError, match="--parent 只能与 --create-missing 一起使用"):
        call_command("import_boundaries", str(path), "--parent=320200")
    assert Area.objects.get(code="320205").boundary is None


def test_import_boundaries_command_prints_what_matched(capsys: Any) -> None:
    import_areas(
        city_code="320200", city_name="无锡市", districts=divisions("wuxi_320200_areas.csv")
    )
    path = shared_path("data", "boundaries", "datav", "320200.json")

    call_command("import_boundaries", str(path), "--crs=gcj02", "--level=district")

    assert capsys.readouterr().out.splitlines() == [
        "坐标系 gcj02：匹配 7 个要素（新建区域 0 个，保存边界 7 个，未变 0 个），未匹配 0 个，名称不一致 0 个。"
    ]


def test_the_outline_an_area_already_has_is_replaced_only_when_different(
    tmp_path: Path, xishan: Area
) -> None:
    set_area_boundary(area=xishan, geometry={"type": "Polygon", "coordinates": [OTHER_SQUARE]})
    path = write(tmp_path / "d.geojson", feature_collection(polygon_feature("320205", SQUARE)))
    report = import_boundaries(path=path)
    assert (report.stored, report.unchanged) == (1, 0)
    assert Area.objects.get(code="320205").min_lon == 120.40
