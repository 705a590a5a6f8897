"""The registry of inspection sites: one site located on the map, or a whole CSV/XLSX file of
them imported all or nothing, every bad row named."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from finegrid.campaigns.errors import ImportRefused, InvalidInput, NotAllowed
from finegrid.campaigns.inspections import import_sites, register_site
from finegrid.campaigns.models import Site, SiteType
from finegrid.geo.crs import CRS, from_wgs84
from finegrid.geo.models import Area, Grid
from finegrid.org.models import Unit, User
from tests.cases.builders import (
    grid_point,
    shared_spatial_index,  # noqa: F401 (geography unchanged here)
)

pytestmark = pytest.mark.django_db

#: Streets of the demo city: 湖滨街道 (明湖区) and 青山街道 (青山区).
HUBIN, QINGSHAN = "990102001", "990103001"
#: A point in China but far outside the demo city.
BEIJING = (116.397, 39.909)


def point_in(street_code: str, index: int = 0) -> tuple[float, float]:
    """A point inside the street's `index`-th grid (by code)."""
    grid = Grid.objects.current().filter(code__startswith=street_code).order_by("code")[index]
    return grid_point(grid.code)


def grid_at(street_code: str, index: int = 0) -> Grid:
    return Grid.objects.current().filter(code__startswith=street_code).order_by("code")[index]


def site_type(tag: int) -> SiteType:
    return SiteType.objects.get(tag=tag)


def csv_bytes(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


# --- one site -----------------------------------------------------------------------------------


def test_a_registered_site_is_located_and_answered_for_by_its_grids_unit(
    cast: dict[str, User],
) -> None:
    # Given a point in 湖滨街道's first grid
    lon, lat = point_in(HUBIN)

    # When the supervisor registers a main street there without naming a responsible unit
    site = register_site(
        actor=cast["supervisor"],
        site_type=site_type(9),
        name=" 湖滨路 ",
        address="湖滨路全段",
        lon=lon,
        lat=lat,
    )

    # Then the site is placed in that grid, street and district, and the grid's unit answers
    site.refresh_from_db()
    assert site.name == "湖滨路"
    assert site.grid == grid_at(HUBIN)
    assert site.street == Area.objects.get(code=HUBIN)
    assert site.district == Area.objects.get(code="990102")
    assert site.responsible_unit.name == "明湖区湖滨街道办事处"
    assert (site.lon, site.lat, site.is_active) == (lon, lat, True)


def test_a_site_given_in_gcj02_is_stored_in_wgs84(cast: dict[str, User]) -> None:
    # Given a point as an AMap user would copy it (GCJ-02)
    lon, lat = point_in(QINGSHAN, 3)
    gcj_lon, gcj_lat = from_wgs84(lon, lat, CRS.GCJ02)
    unit = Unit.objects.get(name="青山区城市管理局")

    # When it is registered with its coordinate system and an explicit unit
    site = register_site(
        actor=cast["admin"],
        site_type=site_type(12),
        name="青山公厕",
        lon=gcj_lon,
        lat=gcj_lat,
        crs=CRS.GCJ02,
        responsible_unit=unit,
    )

    # Then it is stored in WGS-84 (to well under a metre) in the right grid, with that unit
    assert site.lon == pytest.approx(lon, abs=1e-5)
    assert site.lat == pytest.approx(lat, abs=1e-5)
    assert site.grid == grid_at(QINGSHAN, 3)
    assert site.responsible_unit == unit


@pytest.mark.parametrize(
    ("username", "error", "message"),
    [
        ("inspector", NotAllowed, "只有监督中心和系统管理员可以登记测评点位"),
        ("handler", NotAllowed, "只有监督中心和系统管理员可以登记测评点位"),
    ],
)
def test_only_the_centre_registers_sites(
    cast: dict[str, User], username: str, error: type[Exception], message: str
) -> None:
    lon, lat = point_in(HUBIN)
    with pytest.raises(error) as refused:
        register_site(actor=cast[username], site_type=site_type(9), name="湖滨路", lon=lon, lat=lat)
    assert str(refused.value) == message
    assert Site.objects.count() == 0


def test_a_site_outside_the_city_is_refused(cast: dict[str, User]) -> None:
    with pytest.raises(InvalidInput) as refused:
        register_site(
            actor=cast["supervisor"],
            site_type=site_type(9),
            name="长安街",
            lon=BEIJING[0],
            lat=BEIJING[1],
        )
    assert refused.value.message == "坐标(116.39700, 39.90900)不在本市范围内"
    assert Site.objects.count() == 0


def test_a_second_site_of_the_same_type_and_name_is_refused(cast: dict[str, User]) -> None:
    # Given 湖滨路 is registered as a main street
    lon, lat = point_in(HUBIN)
    register_site(actor=cast["supervisor"], site_type=site_type(9), name="湖滨路", lon=lon, lat=lat)

    # When it is registered again as a main street, it is refused; as a back lane it is a new site
    with pytest.raises(InvalidInput) as refused:
        register_site(
            actor=cast["supervisor"], site_type=site_type(9), name="湖滨路", lon=lon, lat=lat
        )
    assert refused.value.message == "已有同名的主次干道、商业大街点位“湖滨路”"
    assert Site.objects.count() == 1
    register_site(
        actor=cast["supervisor"], site_type=site_type(10), name="湖滨路", lon=lon, lat=lat
    )
    assert Site.objects.count() == 2


# --- a file of sites ----------------------------------------------------------------------------


def test_a_csv_file_of_sites_is_imported_with_each_site_located(cast: dict[str, User]) -> None:
    # Given three sites: by tag and by type name, with and without a unit and an address
    a, b, c = point_in(HUBIN, 0), point_in(HUBIN, 5), point_in(QINGSHAN, 2)
    data = csv_bytes(
        [
            "点位类型,名称,地址,经度,纬度,责任单位",
            f"9,湖滨路,湖滨路全段,{a[0]},{a[1]},明湖区城市管理局",
            "",  # a blank line between rows is skipped
            f"公共卫生间,望湖公厕,,{b[0]},{b[1]},",
            f"10,松涛巷,,{c[0]},{c[1]},青山城管局",  # a unit's unique short name
        ]
    )

    # When the supervisor imports the file
    sites = import_sites(actor=cast["supervisor"], data=data, filename="点位.csv")

    # Then all three are registered, located, each with its unit
    assert len(sites) == 3
    minghu, qingshan = Area.objects.get(code="990102"), Area.objects.get(code="990103")
    rows = {
        s.name: (s.site_type.tag, s.address, s.grid, s.district, s.responsible_unit.name)
        for s in Site.objects.select_related("site_type", "district", "responsible_unit", "grid")
    }
    assert rows == {
        "湖滨路": (9, "湖滨路全段", grid_at(HUBIN, 0), minghu, "明湖区城市管理局"),
        "望湖公厕": (12, "", grid_at(HUBIN, 5), minghu, "明湖区湖滨街道办事处"),
        "松涛巷": (10, "", grid_at(QINGSHAN, 2), qingshan, "青山区城市管理局"),
    }


def test_an_xlsx_file_of_sites_is_imported(cast: dict[str, User]) -> None:
    # Given a workbook whose columns are in another order, with an extra column and numeric cells
    a = point_in(QINGSHAN, 0)
    book = Workbook()
    sheet = book.active
    sheet.append(["名称", "备注", "纬度", "经度", "点位类型"])
    sheet.append(["青山农贸市场", "每周二检查", a[1], a[0], 17])
    buffer = io.BytesIO()
    book.save(buffer)

    # When it is imported
    sites = import_sites(actor=cast["admin"], data=buffer.getvalue(), filename="sites.xlsx")

    # Then the market is registered where the cells say
    assert [(s.name, s.site_type.tag, s.street.code) for s in sites] == [  # type: ignore[union-attr]
        ("青山农贸市场", 17, QINGSHAN)
    ]


def test_a_gbk_csv_from_chinese_windows_is_read(cast: dict[str, User]) -> None:
    a = point_in(HUBIN, 1)
    data = f"点位类型,名称,经度,纬度\r\n小区,柳岸小区,{a[0]},{a[1]}\r\n".encode("gbk")
    sites = import_sites(actor=cast["supervisor"], data=data, filename="sites.CSV")
    assert [(s.name, s.site_type.tag) for s in sites] == [("柳岸小区", 5)]


def test_a_file_missing_a_column_is_refused_naming_it(cast: dict[str, User]) -> None:
    a = point_in(HUBIN)
    data = csv_bytes(["点位类型,名称,经度", f"9,湖滨路,{a[0]}"])
    with pytest.raises(ImportRefused) as refused:
        import_sites(actor=cast["supervisor"], data=data, filename="点位.csv")
    assert refused.value.problems == ["第1行：缺少“纬度”列"]
    assert Site.objects.count() == 0


def test_a_file_with_bad_rows_is_refused_whole_with_every_row_named(
    cast: dict[str, User],
) -> None:
    # Given one site already registered, and a file with one good row among bad ones
    a, b = point_in(HUBIN, 0), point_in(HUBIN, 2)
    register_site(
        actor=cast["supervisor"], site_type=site_type(9), name="湖滨路", lon=a[0], lat=a[1]
    )
    data = csv_bytes(
        [
            "点位类型,名称,地址,经度,纬度,责任单位",
            f"9,望湖路,,{b[0]},{b[1]},",  # row 2: good
            f"99,鼓楼,,{b[0]},{b[1]},",  # row 3: unknown type
            f"9,,,{b[0]},{b[1]},",  # row 4: no name
            "9,钟楼路,,东经116度,33,",  # row 5: not a number
            f"9,长安街,,{BEIJING[0]},{BEIJING[1]},",  # row 6: outside the city
            f"9,文庙路,,{b[0]},{b[1]},不存在的局",  # row 7: unknown unit
            f"9,湖滨路,,{b[0]},{b[1]},",  # row 8: already registered
            f"9,望湖路,,{b[0]},{b[1]},",  # row 9: same as row 2
            f"9,书院路,,{b[0]},{b[1]},,",  # row 10: an extra empty cell is harmless
            f"9,人民路,,200,{b[1]},",  # row 11: not a longitude
        ]
    )
    count = Site.objects.count()

    # When it is imported
    with pytest.raises(ImportRefused) as refused:
        import_sites(actor=cast["supervisor"], data=data, filename="点位.csv")

    # Then every bad row is named with its reason, and nothing was registered
    assert refused.value.problems == [
        "第3行：未知的点位类型“99”",
        "第4行：缺少点位名称",
        "第5行：经度和纬度应为数字",
        "第6行：坐标(116.39700, 39.90900)不在本市范围内",
        "第7行：未知的责任单位“不存在的局”",
        "第8行：点位“湖滨路”已登记",
        "第9行：点位“望湖路”与第2行重复",
        "第11行：经度应在-180到180之间：200.0",
    ]
    assert Site.objects.count() == count


def test_an_empty_file_and_an_unknown_format_are_refused(cast: dict[str, User]) -> None:
    with pytest.raises(ImportRefused) as empty:
        import_sites(actor=cast["supervisor"], data=b"\n\n", filename="a.csv")
    with pytest.raises(ImportRefused) as header_only:
        import_sites(
            actor=cast["supervisor"], data=csv_bytes(["点位类型,名称,经度,纬度"]), filename="a.csv"
        )
    with pytest.raises(ImportRefused) as wrong:
        import_sites(actor=cast["supervisor"], data=b"{}", filename="a.json")
    with pytest.raises(ImportRefused) as broken:
        import_sites(actor=cast["supervisor"], data=b"not a zip", filename="a.xlsx")
    assert empty.value.problems == ["文件“a.csv”是空的"]
    assert header_only.value.problems == ["文件“a.csv”没有数据行"]
    assert wrong.value.problems == ["只支持CSV和XLSX文件，收到“a.json”"]
    assert broken.value.problems == ["无法读取Excel文件“a.xlsx”"]
    assert Site.objects.count() == 0


def test_only_the_centre_imports_sites(cast: dict[str, User]) -> None:
    a = point_in(HUBIN)
    data = csv_bytes(["点位类型,名称,经度,纬度", f"9,湖滨路,{a[0]},{a[1]}"])
    with pytest.raises(NotAllowed):
        import_sites(actor=cast["leader"], data=data, filename="a.csv")
    assert Site.objects.count() == 0
