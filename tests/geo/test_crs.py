"""Coordinate systems: published reference pairs, round trips, the China outline, parsing,
validation and GeoJSON. No database."""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

from finegrid.geo.crs import (
    CHINA_OUTLINE,
    CRS,
    CoordinateError,
    UnknownCRS,
    convert_geometry,
    convert_many,
    from_wgs84,
    from_wgs84_many,
    in_china,
    in_china_many,
    looks_swapped,
    parse_crs,
    to_wgs84,
    to_wgs84_many,
    validate_lonlat,
    validate_lonlat_many,
)

Point = tuple[float, float]
EARTH_RADIUS_M = 6371008.8  # the IUGG mean radius


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def reference_wgs_to_gcj(lon: float, lat: float) -> tuple[float, float]:
    """The published forward formula transcribed line by line with `math`, as in the reference
    implementations cited below: an oracle on a different code path from our numpy one."""
    a, ee = 6378245.0, 0.00669342162296594323
    x, y = lon - 105.0, lat - 35.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    d_lat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d_lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    d_lon += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d_lon += (
        (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    )
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - ee * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((a * (1 - ee)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (a / sqrt_magic * math.cos(rad_lat) * math.pi)
    return lon + d_lon, lat + d_lat


# ---------------------------------------------------------------------------------------------
# Published reference pairs
# ---------------------------------------------------------------------------------------------

# (place, WGS-84, GCJ-02, source). The forward formula is deterministic, so these match to the
# last bits of a double: tolerance 1e-12 degrees (0.1 micrometre).
WGS_GCJ_PAIRS = [
    (
        "Beijing, Tiananmen",
        (116.404, 39.915),
        (116.41024449916938, 39.91640428150164),
        "wandergis/coordtransform README and test/app.js (also dromara/hutool CoordinateUtilTest)",
    ),
    (
        "Beijing, Xicheng",
        (116.377817, 39.911954),
        (116.38404722455657, 39.91334545536069),
        "googollee/eviltransform python/test.py",
    ),
    (
        "Shanghai, Pudong",
        (121.5272106, 31.1774276),
        (121.531541859215, 31.17530398364597),
        "googollee/eviltransform python/test.py",
    ),
    (
        "Shenzhen, Nanshan",
        (113.912316, 22.543847),
        (113.9171764808363, 22.540796131694766),
        "googollee/eviltransform python/test.py",
    ),
]
# (place, WGS-84, BD-09, source)
WGS_BD_PAIRS = [
    (
        "Beijing, Tiananmen",
        (116.404, 39.915),
        (116.41662724378733, 39.922699552216216),
        "dromara/hutool CoordinateUtilTest.wgs84toBd09Test (wandergis/coordtransform's algorithm)",
    ),
    (
        "Jilin, Baicheng",
        (122.99395597, 44.99804071),
        (123.00636516028885, 45.0063690918959),
        "dromara/hutool CoordinateUtilTest.wgs84toBd09Test2, checked there against tool.lu",
    ),
]


@pytest.mark.parametrize(("place", "wgs", "gcj", "source"), WGS_GCJ_PAIRS)
def test_wgs84_to_gcj02_matches_the_published_pair(
    place: str, wgs: Point, gcj: Point, source: str
) -> None:
    # given a WGS-84 point whose GCJ-02 counterpart is published
    # when it is converted
    got = from_wgs84(*wgs, CRS.GCJ02)
    # then it is the published value
    assert got == pytest.approx(gcj, abs=1e-12)


@pytest.mark.parametrize(("place", "wgs", "gcj", "source"), WGS_GCJ_PAIRS)
def test_gcj02_to_wgs84_inverts_the_published_pair_to_a_tenth_of_a_millimetre(
    place: str, wgs: Point, gcj: Point, source: str
) -> None:
    # given the published GCJ-02 point (the common libraries' one-step inverse is off by metres)
    # when it is converted back
    got = to_wgs84(*gcj, CRS.GCJ02)
    # then the iteration lands on the original WGS-84 point within 1e-9 degrees
    assert got == pytest.approx(wgs, abs=1e-9)


@pytest.mark.parametrize(("place", "wgs", "bd", "source"), WGS_BD_PAIRS)
def test_wgs84_to_bd09_matches_the_published_pair(
    place: str, wgs: Point, bd: Point, source: str
) -> None:
    assert from_wgs84(*wgs, CRS.BD09) == pytest.approx(bd, abs=1e-12)


@pytest.mark.parametrize(("place", "wgs", "bd", "source"), WGS_BD_PAIRS)
def test_bd09_to_wgs84_inverts_the_published_pair(
    place: str, wgs: Point, bd: Point, source: str
) -> None:
    assert to_wgs84(*bd, CRS.BD09) == pytest.approx(wgs, abs=1e-9)


def test_gcj02_to_bd09_matches_the_published_pair() -> None:
    # given wandergis/coordtransform's gcj02tobd09(116.404, 39.915)
    # when converted here (through WGS-84, so the GCJ-02 inverse and forward both take part)
    lons, lats = convert_many([116.404], [39.915], CRS.GCJ02, CRS.BD09)
    # then
    assert (lons[0], lats[0]) == pytest.approx((116.41036949371029, 39.92133699351021), abs=1e-9)


def test_bd09_to_gcj02_refines_baidus_approximate_inverse() -> None:
    # given wandergis/coordtransform's bd09togcj02(116.404, 39.915), Baidu's closed-form inverse
    published = (116.39762729119315, 39.90865673957631)
    # when converted here
    lons, lats = convert_many([116.404], [39.915], CRS.BD09, CRS.GCJ02)
    got = (float(lons[0]), float(lats[0]))
    # then ours differs from it by a few centimetres (the closed form's error) ...
    assert 0.01 < haversine_m(*got, *published) < 0.1
    # ... and, unlike it, maps forward exactly onto the BD-09 input
    back_lons, back_lats = convert_many([got[0]], [got[1]], CRS.GCJ02, CRS.BD09)
    assert (back_lons[0], back_lats[0]) == pytest.approx((116.404, 39.915), abs=1e-9)


def test_jiaxing_triple_matches_to_the_seven_decimals_it_is_published_with() -> None:
    # given Glatzel/pyxis's test triple near Jiaxing, Zhejiang; its WGS-84 has 7 decimals
    wgs = (121.0917077, 30.6107779)
    gcj = (121.09626935575027, 30.608604331756705)
    bd = (121.10271732371203, 30.61484572185035)
    # when / then: each direction agrees within 1e-7 degrees (1 cm)
    assert from_wgs84(*wgs, CRS.GCJ02) == pytest.approx(gcj, abs=1e-7)
    assert from_wgs84(*wgs, CRS.BD09) == pytest.approx(bd, abs=1e-7)
    assert to_wgs84(*gcj, CRS.GCJ02) == pytest.approx(wgs, abs=1e-7)
    assert to_wgs84(*bd, CRS.BD09) == pytest.approx(wgs, abs=1e-7)


# City centres (rounded WGS-84), across the country: the brief's ten and a few more.
CITIES = {
    "Beijing": (116.397, 39.909),
    "Shanghai": (121.473, 31.230),
    "Urumqi": (87.617, 43.826),
    "Lhasa": (91.117, 29.647),
    "Harbin": (126.535, 45.803),
    "Sanya": (109.512, 18.253),
    "Kunming": (102.712, 25.040),
    "Wuxi": (120.312, 31.491),
    "Zhangzhou": (117.647, 24.513),
    "Chengdu": (104.066, 30.572),
    "Kashgar": (75.990, 39.470),
    "Xi'an": (108.940, 34.341),
}


@pytest.mark.parametrize(("city", "wgs"), CITIES.items())
def test_the_vectorised_transform_agrees_with_the_formula_transcribed_line_by_line(
    city: str, wgs: Point
) -> None:
    assert from_wgs84(*wgs, CRS.GCJ02) == pytest.approx(reference_wgs_to_gcj(*wgs), abs=1e-12)


# ---------------------------------------------------------------------------------------------
# Round trips and shift sizes (property-based)
# ---------------------------------------------------------------------------------------------


# Whole 1° x 1° cells inside the outline. Hypothesis's float draws favour special and boundary
# values: drawing over the bounding box and filtering rejected four draws in five. Drawing inside
# cells known to be inside covers the country evenly (the border strips have their own tests).
_OUTLINE_POLYGON = Polygon(CHINA_OUTLINE[0], holes=CHINA_OUTLINE[2:])
INNER_CELLS = [
    (lon, lat)
    for lon in range(73, 135)
    for lat in range(16, 54)
    if _OUTLINE_POLYGON.contains(box(lon, lat, lon + 1, lat + 1))
]


@st.composite
def points_in_china(draw: st.DrawFn) -> tuple[float, float]:
    west, south = draw(st.sampled_from(INNER_CELLS))
    lon = west + draw(st.floats(min_value=0.001, max_value=0.999))
    lat = south + draw(st.floats(min_value=0.001, max_value=0.999))
    return lon, lat


@st.composite
def points_far_from_china(draw: st.DrawFn) -> tuple[float, float]:
    lon = draw(st.floats(min_value=-180.0, max_value=180.0))
    lat = draw(st.floats(min_value=-90.0, max_value=90.0))
    # Far enough that no shifted or unshifted reading can fall inside (the shifts are < 0.02°).
    near = [(lon + dx, lat + dy) for dx in (-0.03, 0, 0.03) for dy in (-0.03, 0, 0.03)]
    assume(not any(in_china(x, y) for x, y in near))
    return lon, lat


@given(points_in_china())
def test_wgs84_to_gcj02_and_back_is_within_a_millimetre(point: Point) -> None:
    # given a WGS-84 point in China; when converted to GCJ-02 and back
    back = to_wgs84(*from_wgs84(*point, CRS.GCJ02), CRS.GCJ02)
    # then it is where it was: the requirement is 1 m, we hold 1 mm so a regression shows early
    assert haversine_m(*point, *back) < 0.001


@given(points_in_china())
def test_wgs84_to_bd09_and_back_is_within_a_millimetre(point: Point) -> None:
    back = to_wgs84(*from_wgs84(*point, CRS.BD09), CRS.BD09)
    assert haversine_m(*point, *back) < 0.001


@given(points_in_china())
def test_the_gcj02_shift_is_between_0_and_1000_metres_and_follows_the_formula(point: Point) -> None:
    gcj = from_wgs84(*point, CRS.GCJ02)
    assert 0 < haversine_m(*point, *gcj) < 1000
    assert gcj == pytest.approx(reference_wgs_to_gcj(*point), abs=1e-12)


@given(points_far_from_china(), st.sampled_from(list(CRS)))
def test_points_outside_china_are_unchanged_by_every_conversion(point: Point, crs: CRS) -> None:
    assert from_wgs84(*point, crs) == point
    assert to_wgs84(*point, crs) == point


@pytest.mark.parametrize(
    "place",
    [
        (126.978, 37.566),  # Seoul
        (139.692, 35.690),  # Tokyo
        (105.854, 21.028),  # Hanoi
        (106.917, 47.919),  # Ulaanbaatar
        (121.565, 25.033),  # Taipei
        (114.158, 22.282),  # Hong Kong, Central
        (-0.1276, 51.5072),  # London
        (0.0, 90.0),  # the North Pole: the transform would divide by cos(90°)
    ],
)
@pytest.mark.parametrize("crs", list(CRS))
def test_named_places_outside_are_returned_unchanged(place: Point, crs: CRS) -> None:
    assert from_wgs84(*place, crs) == place
    assert to_wgs84(*place, crs) == place


def test_a_reading_within_a_shifts_reach_of_the_border_is_taken_as_the_chinese_point() -> None:
    # given a point on Hengqin (Zhuhai), whose BD-09 coordinate is 1.2 km east, inside Macau
    hengqin = (113.535, 22.13)
    bd = from_wgs84(*hengqin, CRS.BD09)
    assert in_china(*bd) is False
    # when the BD-09 reading is converted back
    back = to_wgs84(*bd, CRS.BD09)
    # then it is the Hengqin point (testing the input instead would have left it 1.2 km off) ...
    assert haversine_m(*hengqin, *back) < 0.001
    # ... while a WGS-84 point in Macau itself is shown unshifted
    assert from_wgs84(113.5405, 22.1935, CRS.BD09) == (113.5405, 22.1935)


# ---------------------------------------------------------------------------------------------
# Where the shift applies
# ---------------------------------------------------------------------------------------------

INSIDE = {
    **CITIES,
    "Dalian": (121.614, 38.914),
    "Qingdao": (120.383, 36.067),
    "Zhoushan": (122.207, 29.985),
    "Xiamen": (118.089, 24.479),
    "Haikou": (110.330, 20.030),
    "Shenzhen, Futian": (114.057, 22.543),
    "Shenzhen, Huanggang port": (114.070, 22.525),
    "Shenzhen, Shekou": (113.910, 22.480),
    "Shenzhen, Nan'ao": (114.476, 22.532),
    "Zhuhai, Gongbei": (113.550, 22.222),
    "Zhuhai, Hengqin": (113.520, 22.120),
    "Dandong": (124.383, 40.125),
    "Hunchun": (130.370, 42.870),
    "Heihe": (127.490, 50.250),
    "Fuyuan": (134.300, 48.360),
    "Mohe": (122.530, 52.970),
    "Manzhouli": (117.450, 49.600),
    "Erenhot": (111.980, 43.650),
    "Khorgos": (80.420, 44.210),
    "Ruili": (97.850, 24.010),
    "Hekou": (103.940, 22.520),
    "Dongxing": (107.970, 21.547),
    "Pingxiang": (106.755, 22.100),
    "Yadong": (88.930, 27.480),
    "Sansha, Yongxing Island": (112.340, 16.830),
}
OUTSIDE = {
    "Seoul": (126.978, 37.566),
    "Tokyo": (139.692, 35.690),
    "Hanoi": (105.854, 21.028),
    "Ulaanbaatar": (106.917, 47.919),
    "Taipei": (121.565, 25.033),
    "Kaohsiung": (120.300, 22.630),
    "Hong Kong, Central": (114.158, 22.282),
    "Hong Kong, Sheung Shui": (114.130, 22.500),
    "Hong Kong, Tin Shui Wai": (114.000, 22.460),
    "Hong Kong, airport": (113.940, 22.310),
    "Macau, Senado Square": (113.5405, 22.1935),
    "Macau, Taipa": (113.560, 22.155),
    "Pyongyang": (125.750, 39.030),
    "Vladivostok": (131.900, 43.120),
    "Khabarovsk": (135.070, 48.480),
    "Almaty": (76.900, 43.250),
    "Leh": (77.580, 34.160),
    "Kathmandu": (85.320, 27.700),
    "Thimphu": (89.640, 27.470),
    "Mandalay": (96.080, 21.970),
    "Lang Son": (106.760, 21.850),
    "Zamyn-Uud": (111.900, 43.720),
}


@pytest.mark.parametrize(("place", "point"), INSIDE.items())
def test_places_in_mainland_china_are_inside(place: str, point: Point) -> None:
    assert in_china(*point) is True


@pytest.mark.parametrize(("place", "point"), OUTSIDE.items())
def test_places_outside_mainland_china_are_outside(place: str, point: Point) -> None:
    assert in_china(*point) is False


def test_the_inner_cells_cover_most_of_the_country() -> None:
    # 1° cells are about 10,000 km² at 30°N; mainland China is about 9.6 million km²
    assert 700 < len(INNER_CELLS) < 1000


def test_the_vectorised_and_the_one_point_outline_tests_agree() -> None:
    # given 20,000 random points over and around China
    rng = np.random.default_rng(20260101)
    lons = rng.uniform(70.0, 140.0, 20_000)
    lats = rng.uniform(10.0, 58.0, 20_000)
    # when both tests answer
    many = in_china_many(lons, lats)
    one_by_one = [in_china(float(lon), float(lat)) for lon, lat in zip(lons, lats, strict=True)]
    # then they agree everywhere, and a fair share is inside
    assert many.tolist() == one_by_one
    assert 5_000 < int(many.sum()) < 7_000


def test_not_a_number_and_out_of_range_values_are_simply_not_in_china() -> None:
    assert in_china(math.nan, 30.0) is False
    assert in_china(116.4, math.inf) is False
    assert in_china_many([math.nan, 116.4, 400.0], [39.9, math.nan, 39.9]).tolist() == [
        False,
        False,
        False,
    ]


def test_the_outline_rings_are_simple_polygons_and_the_holes_lie_in_the_mainland() -> None:
    mainland, xisha, hong_kong, macau = (Polygon(ring) for ring in CHINA_OUTLINE)
    assert [ring.is_valid for ring in (mainland, xisha, hong_kong, macau)] == [True] * 4
    assert mainland.contains(hong_kong)
    assert mainland.contains(macau)
    assert mainland.disjoint(xisha)


# ---------------------------------------------------------------------------------------------
# Parsing names
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "crs"),
    [
        ("WGS84", CRS.WGS84),
        ("EPSG:4326", CRS.WGS84),
        ("CGCS2000", CRS.WGS84),
        ("EPSG:4490", CRS.WGS84),
        ("wgs84", CRS.WGS84),
        (" wgs-84 ", CRS.WGS84),
        ("GCJ02", CRS.GCJ02),
        ("GCJ-02", CRS.GCJ02),
        ("gcj02", CRS.GCJ02),
        ("BD09", CRS.BD09),
        ("BD-09", CRS.BD09),
        ("bd09ll", CRS.BD09),
        ("bd09", CRS.BD09),
    ],
)
def test_parse_crs_accepts_the_usual_names(text: str, crs: CRS) -> None:
    assert parse_crs(text) is crs


@pytest.mark.parametrize("text", ["bd09mc", "EPSG:3857", "", "gps"])
def test_parse_crs_refuses_other_names_and_lists_the_accepted_ones(text: str) -> None:
    with pytest.raises(UnknownCRS) as excinfo:
        parse_crs(text)
    assert str(excinfo.value) == (
        f"无法识别的坐标系“{text}”，可用的名称："
        "WGS84、EPSG:4326、CGCS2000、EPSG:4490、GCJ02、GCJ-02、BD09、BD-09、bd09ll"
    )


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lon", "lat", "message"),
    [
        (math.nan, 39.9, "坐标必须是有限的数值：经度nan，纬度39.9"),
        (116.4, math.inf, "坐标必须是有限的数值：经度116.4，纬度inf"),
        (-math.inf, 39.9, "坐标必须是有限的数值：经度-inf，纬度39.9"),
        (180.5, 39.9, "经度应在-180到180之间：180.5"),
        (-181.0, 39.9, "经度应在-180到180之间：-181.0"),
        (116.4, 90.5, "纬度应在-90到90之间：90.5"),
        (116.4, -91.0, "纬度应在-90到90之间：-91.0"),
    ],
)
def test_validate_lonlat_refuses_what_cannot_be_on_earth(
    lon: float, lat: float, message: str
) -> None:
    with pytest.raises(CoordinateError) as excinfo:
        validate_lonlat(lon, lat)
    assert str(excinfo.value) == message


@pytest.mark.parametrize(("lon", "lat"), [(180.0, 90.0), (-180.0, -90.0), (0.0, 0.0)])
def test_validate_lonlat_accepts_the_limits(lon: float, lat: float) -> None:
    validate_lonlat(lon, lat)


def test_validate_lonlat_many_names_the_first_bad_point() -> None:
    with pytest.raises(CoordinateError) as excinfo:
        validate_lonlat_many([116.4, 116.5, 200.0, math.nan], [39.9, 39.9, 39.9, 39.9])
    assert (str(excinfo.value), excinfo.value.index) == ("经度应在-180到180之间：200.0", 2)


def test_conversions_refuse_invalid_points() -> None:
    with pytest.raises(CoordinateError):
        to_wgs84(116.4, 95.0, CRS.GCJ02)
    with pytest.raises(CoordinateError):
        from_wgs84_many([116.4, math.nan], [39.9, 39.9], CRS.BD09)


def test_looks_swapped_spots_latitude_written_first() -> None:
    assert looks_swapped(39.9, 116.4) is True  # Beijing written (lat, lon)
    assert looks_swapped(116.4, 39.9) is False  # Beijing the right way round
    assert looks_swapped(35.69, 139.69) is False  # Tokyo swapped is not in China either
    assert looks_swapped(0.0, 0.0) is False


# ---------------------------------------------------------------------------------------------
# Arrays and GeoJSON
# ---------------------------------------------------------------------------------------------


def test_ten_thousand_points_convert_in_one_call_and_keep_their_shape() -> None:
    # given 10,000 points in a 100 x 100 grid over Chengdu
    lons, lats = np.meshgrid(np.linspace(103.9, 104.2, 100), np.linspace(30.5, 30.8, 100))
    # when converted to BD-09 and back
    bd_lons, bd_lats = from_wgs84_many(lons, lats, CRS.BD09)
    back_lons, back_lats = to_wgs84_many(bd_lons, bd_lats, CRS.BD09)
    # then the shape is kept, every point moved, and every point came back
    assert bd_lons.shape == (100, 100)
    assert back_lats.shape == (100, 100)
    assert bool(np.all(bd_lons != lons))
    assert float(np.abs(back_lons - lons).max()) < 1e-9
    assert float(np.abs(back_lats - lats).max()) < 1e-9


def test_mixed_arrays_shift_only_the_points_in_china() -> None:
    lons, lats = from_wgs84_many([116.404, 126.978], [39.915, 37.566], CRS.GCJ02)
    assert lons.tolist() == [pytest.approx(116.41024449916938, abs=1e-12), 126.978]
    assert lats.tolist() == [pytest.approx(39.91640428150164, abs=1e-12), 37.566]


def test_arrays_of_different_shapes_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="differ in shape"):
        to_wgs84_many([116.4, 116.5], [39.9], CRS.GCJ02)


MULTIPOLYGON: dict[str, Any] = {
    "type": "MultiPolygon",
    "coordinates": [
        [
            [[116.39, 39.90], [116.40, 39.90], [116.40, 39.91], [116.39, 39.91], [116.39, 39.90]],
            [
                [116.393, 39.903],
                [116.397, 39.903],
                [116.397, 39.907],
                [116.393, 39.903],
            ],
        ],
        [[[121.47, 31.23], [121.48, 31.23], [121.48, 31.24], [121.47, 31.23]]],
    ],
}


def test_convert_geometry_keeps_a_multipolygons_structure_and_leaves_the_input_alone() -> None:
    # given a GCJ-02 MultiPolygon (Beijing, with a hole; Shanghai)
    original = copy.deepcopy(MULTIPOLYGON)
    # when converted to WGS-84
    result = convert_geometry(MULTIPOLYGON, CRS.GCJ02, CRS.WGS84)
    # then the input is untouched, the nesting is the same, rings stay closed ...
    assert original == MULTIPOLYGON
    assert result["type"] == "MultiPolygon"
    assert [[len(ring) for ring in polygon] for polygon in result["coordinates"]] == [[5, 4], [4]]
    for polygon in result["coordinates"]:
        for ring in polygon:
            assert ring[0] == ring[-1]
    # ... and every position is what the point conversion gives
    flat_in = [p for polygon in MULTIPOLYGON["coordinates"] for ring in polygon for p in ring]
    flat_out = [p for polygon in result["coordinates"] for ring in polygon for p in ring]
    for (lon, lat), converted in zip(flat_in, flat_out, strict=True):
        assert converted == pytest.approx(list(to_wgs84(lon, lat, CRS.GCJ02)), abs=1e-9)


def test_convert_geometry_keeps_altitude_and_recomputes_the_bbox() -> None:
    point = {"type": "Point", "coordinates": [116.404, 39.915, 43.5], "bbox": [0, 0, 0, 0]}
    result = convert_geometry(point, CRS.WGS84, CRS.GCJ02)
    assert result["coordinates"] == [
        pytest.approx(116.41024449916938, abs=1e-12),
        pytest.approx(39.91640428150164, abs=1e-12),
        43.5,
    ]
    assert result["bbox"] == result["coordinates"][:2] * 2


@pytest.mark.parametrize(
    ("geometry", "depth"),
    [
        ({"type": "MultiPoint", "coordinates": [[116.4, 39.9], [121.5, 31.2]]}, 1),
        ({"type": "LineString", "coordinates": [[116.4, 39.9], [116.5, 39.9]]}, 1),
        ({"type": "MultiLineString", "coordinates": [[[116.4, 39.9], [116.5, 39.9]]]}, 2),
        (
            {
                "type": "Polygon",
                "coordinates": [[[116.4, 39.9], [116.5, 39.9], [116.4, 39.8], [116.4, 39.9]]],
            },
            2,
        ),
    ],
)
def test_convert_geometry_handles_every_simple_type(geometry: dict[str, Any], depth: int) -> None:
    result = convert_geometry(geometry, CRS.BD09, CRS.WGS84)
    positions = result["coordinates"]
    for _level in range(depth - 1):
        positions = [p for part in positions for p in part]
    originals = geometry["coordinates"]
    for _level in range(depth - 1):
        originals = [p for part in originals for p in part]
    expected = [list(to_wgs84(lon, lat, CRS.BD09)) for lon, lat in originals]
    assert [pytest.approx(p, abs=1e-9) for p in positions] == expected


def test_convert_geometry_walks_a_geometry_collection() -> None:
    collection = {
        "type": "GeometryCollection",
        "geometries": [
            {"type": "Point", "coordinates": [116.404, 39.915]},
            {"type": "Point", "coordinates": [126.978, 37.566]},
        ],
    }
    result = convert_geometry(collection, CRS.WGS84, CRS.GCJ02)
    assert [g["coordinates"] for g in result["geometries"]] == [
        [pytest.approx(116.41024449916938, abs=1e-12), pytest.approx(39.91640428150164, abs=1e-12)],
        [126.978, 37.566],
    ]


def test_convert_geometry_to_the_same_system_returns_an_equal_new_dict() -> None:
    result = convert_geometry(MULTIPOLYGON, CRS.GCJ02, CRS.GCJ02)
    assert result == MULTIPOLYGON
    assert result is not MULTIPOLYGON
    assert result["coordinates"][0][0] is not MULTIPOLYGON["coordinates"][0][0]


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ({"type": "Circle", "coordinates": [116.4, 39.9]}, "不支持的GeoJSON几何类型：Circle"),
        ({"type": "Point", "coordinates": [116.4]}, "GeoJSON几何对象格式不正确：[116.4]"),
        (
            {"type": "Point", "coordinates": ["116.4", 39.9]},
            "GeoJSON几何对象格式不正确：['116.4', 39.9]",
        ),
        ({"type": "LineString", "coordinates": [116.4, 39.9]}, "GeoJSON几何对象格式不正确：116.4"),
        ({"type": "Point"}, "GeoJSON几何对象格式不正确：{'type': 'Point'}"),
        ({"type": "Point", "coordinates": [116.4, 95.0]}, "纬度应在-90到90之间：95.0"),
    ],
)
def test_convert_geometry_refuses_malformed_input(geometry: dict[str, Any], message: str) -> None:
    with pytest.raises(CoordinateError) as excinfo:
        convert_geometry(geometry, CRS.GCJ02, CRS.WGS84)
    assert str(excinfo.value) == message
