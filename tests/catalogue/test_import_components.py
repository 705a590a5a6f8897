"""import_components: CSV and GeoJSON inventories, all or nothing, idempotent, refused in Chinese."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from finegrid.catalogue.actions import ImportResult, LoadResult, import_components
from finegrid.catalogue.errors import CatalogueImportError
from finegrid.catalogue.models import Component
from finegrid.geo.models import Area
from finegrid.org.models import Unit

from .conftest import write_csv, write_geojson

pytestmark = pytest.mark.django_db

HEADER = [
    "管理部件标识码",
    "管理部件名称",
    "主管部门代码",
    "主管部门名称",
    "养护单位名称",
    "所在单元网格标识码",
    "管理部件状态",
    "初始日期",
    "变更日期",
    "数据来源",
    "所在街道(镇、乡)代码",
    "所在社区(村)代码",
    "经度",
    "纬度",
]
WATER = "11110105MB0123456X"
ROWS = [
    [
        "11010501001000001",
        "供水井盖",
        WATER,
        "朝阳区水务局",
        "",
        "110105001002003",
        "完好",
        "20240105",
        "",
        "实测",
        "110105001",
        "110105001002",
        "116.4430",
        "39.9219",
    ],
    [
        "11010501037000002",
        "路灯",
        "11110105MB0000001Y",
        "朝阳区城管委",
        "北京路灯养护公司",
        "110105001002004",
        "破损",
        "20240105",
        "20250301",
        "实测",
        "",
        "",
        "116.4431",
        "39.9220",
    ],
    [
        "11010504002000003",
        "行道树",
        "11110105MB0000002Y",
        "朝阳区园林绿化局",
        "",
        "110105001002004",
        "完好",
        "20240106",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
]


@pytest.fixture
def setting(catalogue: LoadResult, district: Area, water_bureau: Unit) -> Unit:
    return water_bureau


def components() -> list[tuple[Any, ...]]:
    return list(
        Component.objects.order_by("code").values_list(
            "code",
            "category__kind",
            "category__code",
            "name",
            "owner__name",
            "owner_name",
            "maintainer_name",
            "grid_code",
            "status",
            "surveyed_on",
            "changed_on",
            "lon",
            "lat",
        )
    )


def problems_of(path: Path) -> list[str]:
    with pytest.raises(CatalogueImportError) as caught:
        import_components(path=path)
    return [str(p) for p in caught.value.problems]


def test_csv_with_standard_chinese_headers(setting: Unit, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "components.csv", HEADER, ROWS)

    result = import_components(path=path)

    assert result == ImportResult(created=3, updated=0, unchanged=0)
    assert components() == [
        (
            "11010501001000001",
            "part",
            "01001",
            "供水井盖",
            "朝阳区水务局",
            "朝阳区水务局",
            "",
            "110105001002003",
            "intact",
            dt.date(2024, 1, 5),
            None,
            116.443,
            39.9219,
        ),
        (
            "11010501037000002",
            "part",
            "01037",
            "路灯",
            None,
            "朝阳区城管委",
            "北京路灯养护公司",
            "110105001002004",
            "damaged",
            dt.date(2024, 1, 5),
            dt.date(2025, 3, 1),
            116.4431,
            39.922,
        ),
        (
            "11010504002000003",
            "part",
            "04002",
            "行道树",
            None,
            "朝阳区园林绿化局",
            "",
            "110105001002004",
            "intact",
            dt.date(2024, 1, 6),
            None,
            None,
            None,
        ),
    ]


def test_csv_with_abbreviations_lon_lat_and_gbk_encoding(setting: Unit, tmp_path: Path) -> None:
    # Abbreviations in any case, and a full-width bracket as Chinese keyboards type it.
    header = ["glbjbsm", "GLBJMC", "ZGBMDM", "ZGBMMC", "SZDYWGBSM", "GLBJZT", "CSRQ", "lon", "lat"]
    header.append("所在街道（镇、乡）代码")
    row = [
        "11010501001000001",
        "供水井盖",
        WATER,
        "朝阳区水务局",
        "110105001002003",
        "intact",
        "20240105",
        "116.4430",
        "39.9219",
        "110105001",
    ]
    path = write_csv(tmp_path / "gbk.csv", header, [row], encoding="gbk")

    assert import_components(path=path) == ImportResult(created=1, updated=0, unchanged=0)
    component = Component.objects.get()
    assert (component.owner, component.street_code, component.lon) == (
        setting,
        "110105001",
        116.443,
    )


def test_geojson_points_become_locations(setting: Unit, tmp_path: Path) -> None:
    properties = {
        "GLBJBSM": "11010501001000001",
        "GLBJMC": "供水井盖",
        "ZGBMDM": WATER,
        "ZGBMMC": "朝阳区水务局",
        "SZDYWGBSM": "110105001002003",
        "GLBJZT": "丢失",
        "CSRQ": 20240105,
    }
    path = write_geojson(
        tmp_path / "components.geojson",
        [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [116.443, 39.9219]},
                "properties": properties,
            },
            {
                "type": "Feature",
                "geometry": None,
                "properties": properties | {"GLBJBSM": "11010501001000002", "GLBJZT": "完好"},
            },
        ],
    )

    result = import_components(path=path)

    assert result == ImportResult(created=2, updated=0, unchanged=0)
    assert list(Component.objects.order_by("code").values_list("code", "status", "lon", "lat")) == [
        ("11010501001000001", "lost", 116.443, 39.9219),
        ("11010501001000002", "intact", None, None),
    ]


def test_reimporting_the_same_file_changes_nothing(setting: Unit, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "components.csv", HEADER, ROWS)
    import_components(path=path)
    before = components()
    ids = list(Component.objects.order_by("code").values_list("pk", flat=True))

    result = import_components(path=path)

    assert result == ImportResult(created=0, updated=0, unchanged=3)
    assert components() == before
    assert list(Component.objects.order_by("code").values_list("pk", flat=True)) == ids


def test_reimporting_an_edited_file_updates_in_place(setting: Unit, tmp_path: Path) -> None:
    import_components(path=write_csv(tmp_path / "components.csv", HEADER, ROWS))
    lamp_id = Component.objects.get(code="11010501037000002").pk
    edited = [list(r) for r in ROWS]
    edited[1][6] = "完好"
    edited[1][8] = "20250401"

    result = import_components(path=write_csv(tmp_path / "components.csv", HEADER, edited))

    assert result == ImportResult(created=0, updated=1, unchanged=2)
    lamp = Component.objects.get(code="11010501037000002")
    assert (lamp.pk, lamp.status, lamp.changed_on) == (lamp_id, "intact", dt.date(2025, 4, 1))


def test_bad_rows_are_all_reported_and_nothing_is_written(setting: Unit, tmp_path: Path) -> None:
    import_components(path=write_csv(tmp_path / "before.csv", HEADER, ROWS[:1]))
    before = components()
    bad = [
        ROWS[1],
        ["1101050100100000", *ROWS[0][1:]],
        [
            "11010501999000001",
            "井盖",
            WATER,
            "朝阳区水务局",
            "",
            "110105001002003",
            "坏了",
            "20240105",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "99019901001000001",
            "井盖",
            WATER,
            "朝阳区水务局",
            "",
            "110105001002003",
            "完好",
            "2024-01-05",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "11010501001000009",
            "",
            "1111",
            "朝阳区水务局",
            "",
            "110105001002003",
            "完好",
            "20240105",
            "20230101",
            "",
            "110105002",
            "",
            "116.4",
            "91",
        ],
        [
            "11010501001000001",
            "供水井盖",
            WATER,
            "朝阳区水务局",
            "",
            "11010500100200",
            "完好",
            "20240105",
            "",
            "",
            "",
            "",
            "116.4",
            "",
        ],
        ["11010501037000002", *ROWS[1][1:]],
    ]
    path = write_csv(tmp_path / "components.csv", HEADER, bad)

    problems = problems_of(path)

    assert problems == [
        "components.csv 第3行 管理部件标识码: 部件标识码应为17位数字",
        "components.csv 第4行 管理部件标识码: 部件标识码第7-11位的小类代码01999不在部件目录中",
        "components.csv 第4行 管理部件状态: 部件状态应为完好、破损、丢失、废弃、移除之一",
        "components.csv 第5行 管理部件标识码: 部件标识码前6位行政区划代码990199不是已知的区(县)代码",
        "components.csv 第5行 初始日期: 日期应为YYYYMMDD格式的有效日期",
        "components.csv 第6行 管理部件名称: 必填字段不能为空",
        "components.csv 第6行 主管部门代码: 统一社会信用代码应为18位数字或大写字母",
        "components.csv 第6行 所在街道(镇、乡)代码: 街道(镇、乡)代码应与单元网格标识码前9位一致",
        "components.csv 第6行 变更日期: 变更日期不能早于初始日期",
        "components.csv 第6行 纬度: 纬度应为-90到90之间的数字",
        "components.csv 第7行 所在单元网格标识码: 单元网格标识码应为15位数字",
        "components.csv 第7行 纬度: 经度和纬度应同时填写",
        "components.csv 第8行 管理部件标识码: 部件标识码与第2行重复",
    ]
    assert components() == before


def test_a_file_without_a_required_column_is_refused(setting: Unit, tmp_path: Path) -> None:
    header = [h for h in HEADER if h not in {"初始日期", "管理部件状态"}]
    rows = [[v for h, v in zip(HEADER, r, strict=True) if h in header] for r in ROWS]

    assert problems_of(write_csv(tmp_path / "components.csv", header, rows)) == [
        "components.csv 第1行 管理部件状态: 缺少必填列",
        "components.csv 第1行 初始日期: 缺少必填列",
    ]
    assert Component.objects.count() == 0


def test_geojson_problems_name_the_feature(setting: Unit, tmp_path: Path) -> None:
    good = {
        "管理部件标识码": "11010501001000001",
        "管理部件名称": "供水井盖",
        "主管部门代码": WATER,
        "主管部门名称": "朝阳区水务局",
        "所在单元网格标识码": "110105001002003",
        "管理部件状态": "完好",
        "初始日期": "20240105",
    }
    line = {"type": "LineString", "coordinates": [[116.4, 39.9], [116.5, 39.9]]}
    path = write_geojson(
        tmp_path / "components.geojson",
        [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [116.4, 39.9]},
                "properties": good,
            },
            {
                "type": "Feature",
                "geometry": line,
                "properties": good | {"管理部件标识码": "11010501001000002"},
            },
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [116.4, 39.9]},
                "properties": {k: v for k, v in good.items() if k != "所在单元网格标识码"},
            },
        ],
    )

    assert problems_of(path) == [
        "components.geojson 第2个要素 geometry: 几何类型应为Point，实际为LineString",
        "components.geojson 第3个要素 所在单元网格标识码: 必填字段不能为空",
    ]
    assert Component.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("components.xlsx", "", "components.xlsx: 只支持CSV和GeoJSON文件"),
        (
            "components.geojson",
            "{",
            "components.geojson: 不是有效的JSON：Expecting property name enclosed in double quotes",
        ),
        (
            "components.geojson",
            '{"type": "Feature"}',
            "components.geojson: GeoJSON文件应为FeatureCollection",
        ),
        ("components.csv", "", "components.csv: 文件为空"),
    ],
)
def test_unreadable_files_are_refused(
    setting: Unit, tmp_path: Path, name: str, content: str, problem: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")

    assert problems_of(path) == [problem]


def test_command_prints_counts(
    setting: Unit, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(tmp_path / "components.csv", HEADER, ROWS)

    call_command("import_components", str(path))

    assert capsys.readouterr().out == "导入完成：新增 3 个，更新 0 个，未变 0 个。\n"


def test_command_lists_problems_and_fails(
    setting: Unit, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(tmp_path / "components.csv", HEADER, [["1", *ROWS[0][1:]]])

    with pytest.raises(CommandError) as caught:
        call_command("import_components", str(path))

    assert str(caught.value) == "未导入：共 1 个问题，请修改文件后重新导入。"
    assert (
        capsys.readouterr().err == "components.csv 第2行 管理部件标识码: 部件标识码应为17位数字\n"
    )
    assert Component.objects.count() == 0
