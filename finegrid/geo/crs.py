"""Coordinate systems: conversion between WGS-84 (what we store) and the GCJ-02 and BD-09 systems
Chinese map providers use, and the test of whether a point lies where the GCJ-02 shift applies.

Pure Python and numpy; no ORM. See docs/adr/0006-coordinate-systems.md for the decisions.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator, Mapping
from enum import StrEnum
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from django.utils.translation import gettext as _

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class CRS(StrEnum):
    """The coordinate systems the platform understands; values are what we store and send."""

    WGS84 = "wgs84"  # GPS, and CGCS2000: the two differ by centimetres, far below our needs
    GCJ02 = "gcj02"  # AMap (高德), Tencent, WeChat
    BD09 = "bd09"  # Baidu


class UnknownCRS(ValueError):
    """A coordinate system name we do not recognise; the message lists the accepted names."""


class CoordinateError(ValueError):
    """A coordinate that cannot be a point on Earth, or a malformed GeoJSON geometry.

    `index` is the position of the first bad point when a whole array was checked.
    """

    def __init__(self, message: str, *, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


# Upper-cased user spellings. EPSG:4490 is CGCS2000, which is WGS-84 at city scale; "bd09ll" is
# Baidu's name for BD-09 longitude/latitude (its Mercator "bd09mc" is a different thing, refused).
_ALIASES: Final[Mapping[str, CRS]] = {
    "WGS84": CRS.WGS84,
    "WGS-84": CRS.WGS84,
    "EPSG:4326": CRS.WGS84,
    "CGCS2000": CRS.WGS84,
    "EPSG:4490": CRS.WGS84,
    "GCJ02": CRS.GCJ02,
    "GCJ-02": CRS.GCJ02,
    "BD09": CRS.BD09,
    "BD-09": CRS.BD09,
    "BD09LL": CRS.BD09,
}
ACCEPTED_CRS_NAMES: Final = (
    "WGS84",
    "EPSG:4326",
    "CGCS2000",
    "EPSG:4490",
    "GCJ02",
    "GCJ-02",
    "BD09",
    "BD-09",
    "bd09ll",
)


def parse_crs(text: str) -> CRS:
    """The CRS a user or an import file names, in any case and with surrounding spaces."""
    crs = _ALIASES.get(text.strip().upper())
    if crs is None:
        raise UnknownCRS(
            _("无法识别的坐标系“%(text)s”，可用的名称：%(accepted)s")
            % {"text": text, "accepted": "、".join(ACCEPTED_CRS_NAMES)}
        )
    return crs


# ---------------------------------------------------------------------------------------------
# Where the shift applies
# ---------------------------------------------------------------------------------------------

# A hand-drawn outline of mainland China (lon, lat), clockwise from the Amur near Mohe. It is an
# engineering test for "should this coordinate be shifted", never a map of boundaries, and must not
# be drawn as one. Its vertices were placed by hand at border towns, passes, rivers and capes, not
# digitised from a survey. Along coasts it runs offshore (sea points do not matter, coastal towns
# do), but west of the Taiwan Strait's midline. Along land borders it follows the border, typically
# within 10-30 km and up to about 50 km in empty mountains; where a Chinese border town faces a
# foreign one across a river (Heihe and Blagoveshchensk, Dandong and Sinuiju, Hekou and Lao Cai,
# Mohan and Boten...) it keeps the Chinese town inside and usually the foreign one too. Kinmen and
# Matsu fall inside; Taiwan is outside; Hainan is included; of the South China Sea islands, only
# Xisha is.
_MAINLAND: Final = (
    # Russia: the Amur, the Ussuri, Lake Khanka, Primorye
    (121.2, 53.35),
    (123.5, 53.6),
    (125.6, 53.1),
    (126.7, 51.7),
    (127.6, 50.2),  # Heihe
    (130.6, 48.95),
    (131.0, 47.75),
    (132.6, 47.85),  # Tongjiang
    (134.0, 48.45),  # north of Fuyuan
    (134.75, 48.45),  # Heixiazi Island, short of Khabarovsk
    (134.75, 48.25),
    (134.15, 46.8),  # Raohe, short of Bikin
    (133.7, 46.0),  # Hutou
    (133.1, 45.25),
    (132.0, 44.95),  # Lake Khanka
    (131.3, 44.5),  # Suifenhe
    (131.25, 43.3),
    (130.9, 42.85),
    (130.65, 42.4),  # the Tumen mouth
    # North Korea: the Tumen and the Yalu
    (130.2, 42.75),
    (129.85, 42.95),  # Tumen city
    (129.5, 42.35),
    (128.1, 41.95),  # Changbai Mountain
    (128.3, 41.38),  # Changbai county
    (127.0, 41.75),  # Linjiang
    (126.2, 41.1),  # Ji'an
    (125.0, 40.5),
    (124.5, 40.1),  # Dandong
    (124.05, 39.7),  # the Yalu mouth
    # Yellow Sea, Bohai, East China Sea: offshore, well west of Korea
    (123.2, 39.2),
    (121.0, 38.6),  # off Lüshun, across the Bohai Strait
    (122.9, 37.6),
    (123.0, 37.0),  # off Chengshantou
    (121.5, 35.8),
    (120.9, 34.3),
    (122.3, 32.3),
    (123.0, 31.3),  # off the Yangtze mouth
    (123.0, 30.5),
    (122.6, 29.0),  # off Zhoushan
    (122.0, 28.0),
    (121.1, 27.0),
    # Taiwan Strait: west of its midline
    (120.3, 26.0),
    (119.9, 25.3),
    (119.2, 24.5),
    (118.6, 23.9),
    (117.6, 23.3),
    (116.6, 22.9),
    # South China Sea: Hong Kong and Macau are holes cut below
    (115.5, 22.55),
    (114.7, 22.3),
    (114.6, 21.95),
    (113.6, 21.8),
    (112.6, 21.45),
    (111.6, 21.2),
    (111.0, 20.5),
    # Hainan, then the Gulf of Tonkin
    (111.3, 19.7),
    (110.6, 18.6),
    (109.6, 18.0),  # off Sanya
    (108.5, 18.4),
    (108.4, 19.3),
    (109.2, 20.0),
    (109.5, 20.8),
    (108.95, 20.9),  # south of Weizhou Island
    (108.05, 21.5),  # Dongxing
    # Vietnam
    (107.3, 21.7),
    (106.7, 21.95),  # Friendship Pass, north of Lang Son
    (106.75, 22.85),
    (105.8, 23.05),
    (105.3, 23.42),  # Vietnam's northernmost point
    (104.5, 22.85),
    (104.0, 22.45),  # Hekou
    (103.3, 22.55),
    (102.15, 22.4),
    # Laos and Myanmar
    (101.75, 21.15),  # Mohan
    (101.15, 21.6),
    (100.1, 21.45),
    (99.2, 22.15),
    (99.45, 22.9),
    (98.9, 23.3),
    (98.55, 24.05),
    (97.5, 23.95),  # Ruili
    (97.5, 24.9),
    (98.55, 25.9),  # Pianma
    (98.75, 27.5),
    (98.3, 28.05),
    (97.35, 28.25),
    # India, Bhutan, Nepal: coarsely along the line of actual control
    (95.3, 29.05),
    (93.8, 28.65),
    (92.0, 27.8),
    (91.6, 27.85),
    (90.3, 28.3),
    (89.5, 28.05),
    (89.1, 27.35),  # Yadong's valley
    (88.85, 27.3),
    (88.8, 28.1),
    (88.0, 27.9),
    (86.0, 27.95),  # Zhangmu
    (85.2, 28.35),
    (84.0, 29.2),
    (82.5, 30.0),
    (80.9, 30.15),  # Purang
    (80.2, 30.8),
    (78.7, 31.8),
    (79.35, 32.55),
    (78.8, 33.5),
    (78.3, 34.6),
    (77.8, 35.5),  # Karakoram Pass
    # Pakistan, Afghanistan, Tajikistan, Kyrgyzstan, Kazakhstan
    (76.6, 35.85),
    (75.45, 36.9),  # Khunjerab Pass
    (74.85, 37.2),
    (75.0, 38.6),
    (73.55, 39.4),  # the westernmost point
    (73.95, 39.75),  # Irkeshtam
    (75.5, 40.65),  # Torugart
    (76.9, 41.05),
    (78.3, 41.45),
    (80.2, 42.2),  # Khan Tengri
    (80.45, 43.0),
    (80.3, 44.2),  # Khorgos
    (80.8, 45.0),
    (82.6, 45.2),  # Alashankou
    (82.4, 45.9),
    (82.85, 46.7),  # Tacheng
    (83.1, 47.2),
    (85.6, 47.05),
    (86.0, 48.45),
    # Mongolia
    (87.3, 49.15),
    (88.5, 48.3),
    (90.1, 47.8),
    (90.9, 46.6),
    (91.0, 45.4),
    (93.5, 44.95),
    (95.4, 44.25),
    (96.4, 42.75),
    (100.8, 42.65),
    (102.0, 42.25),
    (105.0, 41.6),
    (107.0, 42.4),
    (110.4, 42.75),
    (111.9, 43.6),  # Erenhot
    (113.6, 44.8),
    (116.0, 45.7),
    (117.4, 46.6),
    (119.6, 46.8),  # round Mongolia's eastern salient, short of Arxan
    (119.5, 47.3),
    (118.6, 47.9),
    (117.6, 47.7),
    (115.6, 47.9),
    (116.7, 49.85),
    # Russia: the Argun
    (117.4, 49.63),  # Manzhouli
    (119.3, 50.35),
    (120.2, 51.7),
)
# The Paracels (Xisha), whose Yongxing Island is the seat of Sansha city.
_XISHA: Final = ((111.0, 15.6), (111.0, 17.2), (112.95, 17.2), (112.95, 15.6))
# Holes: maps of Hong Kong and Macau are not shifted (the choice of the common implementations).
# Drawn to about 0.5 km along the land borders, so that Shenzhen's Futian and Luohu and Zhuhai's
# Gongbei and Hengqin stay inside; the waters follow the territories' sea boundaries coarsely.
_HONG_KONG: Final = (
    (113.835, 22.14),
    (113.835, 22.41),
    (113.90, 22.455),  # Deep Bay, south of Shekou
    (113.97, 22.49),  # the Shenzhen Bay Bridge
    (114.03, 22.505),  # the Shenzhen River
    (114.07, 22.515),  # Lok Ma Chau / Huanggang
    (114.11, 22.527),  # Lo Wu / Luohu
    (114.14, 22.54),
    (114.18, 22.56),
    (114.225, 22.548),  # Sha Tau Kok
    (114.30, 22.56),
    (114.44, 22.565),  # north of Tung Ping Chau
    (114.46, 22.52),  # west of Nan'ao
    (114.52, 22.42),
    (114.52, 22.14),
)
_MACAU: Final = (
    (113.528, 22.18),
    (113.530, 22.195),  # the Inner Harbour, east of Wanzai
    (113.537, 22.212),
    (113.549, 22.216),  # the Barrier Gate, south of Gongbei
    (113.560, 22.213),
    (113.600, 22.205),
    (113.630, 22.15),
    (113.600, 22.09),
    (113.555, 22.10),
    (113.542, 22.12),  # the channel east of Hengqin
    (113.542, 22.165),
)
CHINA_OUTLINE: Final[tuple[tuple[tuple[float, float], ...], ...]] = (
    _MAINLAND,
    _XISHA,
    _HONG_KONG,
    _MACAU,
)


def _edges() -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Every edge of every ring as (x1, y1, y2, dx/dy); horizontal edges get a slope of 0 because
    the even-odd test never asks where a ray crosses them."""
    starts = [vertex for ring in CHINA_OUTLINE for vertex in ring]
    ends = [vertex for ring in CHINA_OUTLINE for vertex in (*ring[1:], ring[0])]
    x1, y1 = np.array(starts, dtype=np.float64).T
    x2, y2 = np.array(ends, dtype=np.float64).T
    dy = y2 - y1
    slope = np.divide(x2 - x1, dy, out=np.zeros_like(dy), where=dy != 0)
    return x1, y1, y2, slope


_EDGE_X1, _EDGE_Y1, _EDGE_Y2, _EDGE_SLOPE = _edges()
_WEST, _SOUTH = (float(v) for v in np.min([v for ring in CHINA_OUTLINE for v in ring], axis=0))
_EAST, _NORTH = (float(v) for v in np.max([v for ring in CHINA_OUTLINE for v in ring], axis=0))
# A point can only be crossed by edges that reach its latitude, so the outline is cut into bands
# of latitude, each knowing its few edges: a point is tested against 4 edges on average (22 at
# most, in the Pearl River Delta), not all 181.
_BAND_DEG: Final = 0.25
_BAND_COUNT: Final = math.ceil((_NORTH - _SOUTH) / _BAND_DEG)
_BAND_EDGES: Final = tuple(
    np.flatnonzero(
        (np.minimum(_EDGE_Y1, _EDGE_Y2) <= _SOUTH + (band + 1) * _BAND_DEG)
        & (np.maximum(_EDGE_Y1, _EDGE_Y2) >= _SOUTH + band * _BAND_DEG)
    )
    for band in range(_BAND_COUNT)
)


def in_china_many(lons: npt.ArrayLike, lats: npt.ArrayLike) -> BoolArray:
    """For each point, whether the GCJ-02 shift applies there. Never raises: NaN, infinities and
    out-of-range values are simply not in China."""
    lon_array, lat_array = _as_float_arrays(lons, lats)
    flat_lons, flat_lats = lon_array.ravel(), lat_array.ravel()
    inside = np.zeros(flat_lons.shape, dtype=np.bool_)
    (candidates,) = np.nonzero(
        (flat_lons >= _WEST) & (flat_lons <= _EAST) & (flat_lats >= _SOUTH) & (flat_lats <= _NORTH)
    )
    bands = np.minimum(
        ((flat_lats[candidates] - _SOUTH) // _BAND_DEG).astype(np.intp), _BAND_COUNT - 1
    )
    order = np.argsort(bands, kind="stable")
    candidates, bands = candidates[order], bands[order]
    present, starts = np.unique(bands, return_index=True)
    stops = np.append(starts[1:], bands.size).astype(np.intp)
    for band, start, stop in zip(present, starts, stops[: starts.size], strict=True):
        points = candidates[start:stop]
        edges = _BAND_EDGES[band]
        px = flat_lons[points, np.newaxis]
        py = flat_lats[points, np.newaxis]
        # Even-odd ray casting to the east; holes work because each ring is counted on its own.
        straddles = (_EDGE_Y1[edges] > py) != (_EDGE_Y2[edges] > py)
        crosses = px < _EDGE_X1[edges] + (py - _EDGE_Y1[edges]) * _EDGE_SLOPE[edges]
        inside[points] = np.count_nonzero(straddles & crosses, axis=1) % 2 == 1
    return inside.reshape(lon_array.shape)


# The same bands as plain floats, for the one-point test: a loop over a handful of edges takes
# about a microsecond, numpy's per-call overhead about a hundred. The arithmetic is the same
# expression in the same order, so both answer alike even for a point on an edge.
_BAND_EDGE_TUPLES: Final = tuple(
    tuple(
        zip(
            _EDGE_X1[edges].tolist(),
            _EDGE_Y1[edges].tolist(),
            _EDGE_Y2[edges].tolist(),
            _EDGE_SLOPE[edges].tolist(),
            strict=True,
        )
    )
    for edges in _BAND_EDGES
)


def in_china(lon: float, lat: float) -> bool:
    """Whether the GCJ-02 shift applies at this point (mainland China, Hainan, Xisha). Never
    raises: NaN, infinities and out-of-range values are simply not in China."""
    if not (_WEST <= lon <= _EAST and _SOUTH <= lat <= _NORTH):
        return False
    band = min(int((lat - _SOUTH) // _BAND_DEG), _BAND_COUNT - 1)
    crossings = sum(
        1
        for x1, y1, y2, slope in _BAND_EDGE_TUPLES[band]
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * slope
    )
    return crossings % 2 == 1


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


def _problem(lon: float, lat: float) -> str | None:
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return _("坐标必须是有限的数值：经度%(lon)s，纬度%(lat)s") % {"lon": lon, "lat": lat}
    if abs(lon) > 180:
        return _("经度应在-180到180之间：%(lon)s") % {"lon": lon}
    if abs(lat) > 90:
        return _("纬度应在-90到90之间：%(lat)s") % {"lat": lat}
    return None


def validate_lonlat(lon: float, lat: float) -> None:
    """Refuse what cannot be a point on Earth: NaN, infinities, |lon| > 180, |lat| > 90."""
    problem = _problem(lon, lat)
    if problem is not None:
        raise CoordinateError(problem)


def validate_lonlat_many(lons: npt.ArrayLike, lats: npt.ArrayLike) -> None:
    """As `validate_lonlat` for every point; the error names the first bad one (flat index)."""
    lon_array, lat_array = _as_float_arrays(lons, lats)
    _validate_arrays(lon_array.ravel(), lat_array.ravel())


def _validate_arrays(lons: FloatArray, lats: FloatArray) -> None:
    bad = ~(np.isfinite(lons) & np.isfinite(lats)) | (np.abs(lons) > 180) | (np.abs(lats) > 90)
    if bad.any():
        index = int(np.argmax(bad))
        problem = _problem(float(lons[index]), float(lats[index]))
        assert problem is not None  # the same rules, point by point
        raise CoordinateError(problem, index=index)


def looks_swapped(lon: float, lat: float) -> bool:
    """True when the pair is outside China as given but inside with the two swapped: an import
    that wrote (lat, lon). Accepts out-of-range values, which is the point."""
    return in_china(lat, lon) and not in_china(lon, lat)


def _as_float_arrays(lons: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    lon_array = np.asarray(lons, dtype=np.float64)
    lat_array = np.asarray(lats, dtype=np.float64)
    if lon_array.shape != lat_array.shape:
        # A programming error, not a user's: the message stays in English.
        raise ValueError(f"lons {lon_array.shape} and lats {lat_array.shape} differ in shape")
    return lon_array, lat_array


# ---------------------------------------------------------------------------------------------
# The transforms (unconditional; the public functions decide where they apply)
# ---------------------------------------------------------------------------------------------

# GCJ-02 is WGS-84 plus a smooth offset computed on the Krasovsky 1940 ellipsoid.
_KRASOVSKY_A: Final = 6378245.0
_KRASOVSKY_EE: Final = 0.00669342162296594323
_BD_X_PI: Final = math.pi * 3000.0 / 180.0
# The inverses iterate until the forward transform of the answer is this close to the input:
# 1e-9 degrees is about 0.1 mm. Each iteration gains about three digits, so 3-4 iterations do.
_TOLERANCE_DEG: Final = 1e-9
_MAX_ITERATIONS: Final = 10
# The largest GCJ-02 plus BD-09 offset in China is 0.016 degrees (longitude, in the far north);
# inputs farther than this margin from the outline's bounding box cannot come from a point inside.
_SHIFT_MARGIN_DEG: Final = 0.05


def _gcj_offset(lons: FloatArray, lats: FloatArray) -> tuple[FloatArray, FloatArray]:
    x = lons - 105.0
    y = lats - 35.0
    x_pi = x * math.pi
    y_pi = y * math.pi
    shared = (20.0 * np.sin(6.0 * x_pi) + 20.0 * np.sin(2.0 * x_pi)) * 2.0 / 3.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    d_lat += shared
    d_lat += (20.0 * np.sin(y_pi) + 40.0 * np.sin(y_pi / 3.0)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y_pi / 12.0) + 320.0 * np.sin(y_pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    d_lon += shared
    d_lon += (20.0 * np.sin(x_pi) + 40.0 * np.sin(x_pi / 3.0)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x_pi / 12.0) + 300.0 * np.sin(x_pi / 30.0)) * 2.0 / 3.0
    rad_lat = np.radians(lats)
    magic = 1.0 - _KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / (
        (_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi
    )
    d_lon = (d_lon * 180.0) / (_KRASOVSKY_A / sqrt_magic * np.cos(rad_lat) * math.pi)
    return d_lon, d_lat


def _wgs_to_gcj(lons: FloatArray, lats: FloatArray) -> tuple[FloatArray, FloatArray]:
    d_lon, d_lat = _gcj_offset(lons, lats)
    return lons + d_lon, lats + d_lat


def _gcj_to_bd(lons: FloatArray, lats: FloatArray) -> tuple[FloatArray, FloatArray]:
    z = np.hypot(lons, lats) + 0.00002 * np.sin(lats * _BD_X_PI)
    theta = np.arctan2(lats, lons) + 0.000003 * np.cos(lons * _BD_X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd_to_gcj_closed_form(lons: FloatArray, lats: FloatArray) -> tuple[FloatArray, FloatArray]:
    x = lons - 0.0065
    y = lats - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _BD_X_PI)
    return z * np.cos(theta), z * np.sin(theta)


_Transform = Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]]


def _invert(
    forward: _Transform,
    target_lons: FloatArray,
    target_lats: FloatArray,
    lons: FloatArray,
    lats: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Fixed-point iteration: move the guess by the forward transform's miss until it is tiny.
    Converges because both forward transforms are the identity plus a slowly varying offset."""
    for _iteration in range(_MAX_ITERATIONS):
        got_lons, got_lats = forward(lons, lats)
        miss_lons = got_lons - target_lons
        miss_lats = got_lats - target_lats
        lons = lons - miss_lons
        lats = lats - miss_lats
        if lons.size == 0 or max(np.abs(miss_lons).max(), np.abs(miss_lats).max()) < _TOLERANCE_DEG:
            break
    return lons, lats


def _gcj_to_wgs(lons: FloatArray, lats: FloatArray) -> tuple[FloatArray, FloatArray]:
    d_lon, d_lat = _gcj_offset(lons, lats)
    return _invert(_wgs_to_gcj, lons, lats, lons - d_lon, lats - d_lat)


def _bd_to_gcj(lons: FloatArray, lats: FloatArray) -> tuple[FloatArray, FloatArray]:
    # Baidu's published inverse is itself approximate (up to 0.2 m): a good first guess to refine.
    guess_lons, guess_lats = _bd_to_gcj_closed_form(lons, lats)
    return _invert(_gcj_to_bd, lons, lats, guess_lons, guess_lats)


# ---------------------------------------------------------------------------------------------
# Public conversions
# ---------------------------------------------------------------------------------------------


def from_wgs84_many(
    lons: npt.ArrayLike, lats: npt.ArrayLike, crs: CRS
) -> tuple[FloatArray, FloatArray]:
    """WGS-84 points in `crs`, for display on a provider's map. Points outside China are returned
    unchanged (new arrays either way)."""
    crs = CRS(crs)
    lon_array, lat_array = _as_float_arrays(lons, lats)
    out_lons, out_lats = lon_array.ravel().copy(), lat_array.ravel().copy()
    _validate_arrays(out_lons, out_lats)
    if crs is not CRS.WGS84:
        inside = in_china_many(out_lons, out_lats)
        new_lons, new_lats = _wgs_to_gcj(out_lons[inside], out_lats[inside])
        if crs is CRS.BD09:
            new_lons, new_lats = _gcj_to_bd(new_lons, new_lats)
        out_lons[inside], out_lats[inside] = new_lons, new_lats
    return out_lons.reshape(lon_array.shape), out_lats.reshape(lat_array.shape)


def to_wgs84_many(
    lons: npt.ArrayLike, lats: npt.ArrayLike, crs: CRS
) -> tuple[FloatArray, FloatArray]:
    """Points given in `crs` converted to WGS-84 for storage.

    A point is shifted back when its WGS-84 answer lies in China, so that every point inside
    round-trips exactly; one whose answer would lie outside is returned unchanged, as
    `from_wgs84_many` would have left it. Within a shift's reach of the outline (0.7 km for
    GCJ-02, 1.5 km for BD-09) a provider's coordinate can be read either way; this choice favours
    the Chinese side, which is where the platform's cities are.
    """
    crs = CRS(crs)
    lon_array, lat_array = _as_float_arrays(lons, lats)
    out_lons, out_lats = lon_array.ravel().copy(), lat_array.ravel().copy()
    _validate_arrays(out_lons, out_lats)
    if crs is not CRS.WGS84:
        # Only points near the outline can be shifted ones; skipping the rest also keeps the
        # transform away from the poles, where it divides by cos(latitude).
        (near,) = np.nonzero(
            (out_lons >= _WEST - _SHIFT_MARGIN_DEG)
            & (out_lons <= _EAST + _SHIFT_MARGIN_DEG)
            & (out_lats >= _SOUTH - _SHIFT_MARGIN_DEG)
            & (out_lats <= _NORTH + _SHIFT_MARGIN_DEG)
        )
        gcj_lons, gcj_lats = out_lons[near], out_lats[near]
        if crs is CRS.BD09:
            gcj_lons, gcj_lats = _bd_to_gcj(gcj_lons, gcj_lats)
        wgs_lons, wgs_lats = _gcj_to_wgs(gcj_lons, gcj_lats)
        inside = in_china_many(wgs_lons, wgs_lats)
        out_lons[near[inside]] = wgs_lons[inside]
        out_lats[near[inside]] = wgs_lats[inside]
    return out_lons.reshape(lon_array.shape), out_lats.reshape(lat_array.shape)


def convert_many(
    lons: npt.ArrayLike, lats: npt.ArrayLike, src: CRS, dst: CRS
) -> tuple[FloatArray, FloatArray]:
    """Points from `src` to `dst`, through WGS-84 so that every pair obeys the same rule."""
    if CRS(src) is CRS(dst):
        same_lons, same_lats = _as_float_arrays(lons, lats)
        _validate_arrays(same_lons.ravel(), same_lats.ravel())
        return same_lons.copy(), same_lats.copy()
    wgs_lons, wgs_lats = to_wgs84_many(lons, lats, src)
    return from_wgs84_many(wgs_lons, wgs_lats, dst)


def to_wgs84(lon: float, lat: float, crs: CRS) -> tuple[float, float]:
    """One point given in `crs`, in WGS-84; see `to_wgs84_many`."""
    validate_lonlat(lon, lat)
    lons, lats = to_wgs84_many(np.array([lon]), np.array([lat]), crs)
    return float(lons[0]), float(lats[0])


def from_wgs84(lon: float, lat: float, crs: CRS) -> tuple[float, float]:
    """One WGS-84 point, in `crs`; see `from_wgs84_many`."""
    validate_lonlat(lon, lat)
    lons, lats = from_wgs84_many(np.array([lon]), np.array([lat]), crs)
    return float(lons[0]), float(lats[0])


# ---------------------------------------------------------------------------------------------
# GeoJSON
# ---------------------------------------------------------------------------------------------

# How deeply positions are nested in each geometry's "coordinates".
_POSITION_DEPTH: Final[Mapping[str, int]] = {
    "Point": 0,
    "MultiPoint": 1,
    "LineString": 1,
    "MultiLineString": 2,
    "Polygon": 2,
    "MultiPolygon": 3,
}


def convert_geometry(geometry: Mapping[str, Any], src: CRS, dst: CRS) -> dict[str, Any]:
    """A GeoJSON geometry (Point, LineString, Polygon and their Multi forms, or a
    GeometryCollection of them) converted from `src` to `dst`. Returns a new dict; the input is
    not changed. A third value in a position (altitude) is kept; a "bbox" is recomputed."""
    positions: list[list[Any]] = []
    _collect_positions(geometry, positions)
    lons = np.array([p[0] for p in positions], dtype=np.float64)
    lats = np.array([p[1] for p in positions], dtype=np.float64)
    new_lons, new_lats = convert_many(lons, lats, src, dst)
    converted = iter(
        [float(lon), float(lat), *p[2:]]
        for lon, lat, p in zip(new_lons, new_lats, positions, strict=True)
    )
    return _rebuild(geometry, converted)


def _malformed(value: object) -> CoordinateError:
    return CoordinateError(_("GeoJSON几何对象格式不正确：%(value).200s") % {"value": value})


def _geometry_type(geometry: object) -> str:
    if not isinstance(geometry, Mapping):
        raise _malformed(geometry)
    kind = geometry.get("type")
    if kind != "GeometryCollection" and kind not in _POSITION_DEPTH:
        raise CoordinateError(_("不支持的GeoJSON几何类型：%(type)s") % {"type": kind})
    return str(kind)


def _collect_positions(geometry: Mapping[str, Any], positions: list[list[Any]]) -> None:
    kind = _geometry_type(geometry)
    if kind == "GeometryCollection":
        members = geometry.get("geometries")
        if not isinstance(members, list):
            raise _malformed(geometry)
        for member in members:
            _collect_positions(member, positions)
        return
    if "coordinates" not in geometry:
        raise _malformed(geometry)
    _collect_nested(geometry["coordinates"], _POSITION_DEPTH[kind], positions)


def _collect_nested(value: object, depth: int, positions: list[list[Any]]) -> None:
    if not isinstance(value, list | tuple):
        raise _malformed(value)
    if depth > 0:
        for item in value:
            _collect_nested(item, depth - 1, positions)
        return
    if len(value) < 2 or not all(
        isinstance(number, int | float) and not isinstance(number, bool) for number in value
    ):
        raise _malformed(value)
    positions.append(list(value))


def _rebuild(geometry: Mapping[str, Any], converted: Iterator[list[Any]]) -> dict[str, Any]:
    kind = str(geometry["type"])
    # Other members (an id, properties some tools put here) are copied; positions are rebuilt.
    result = {
        key: copy.deepcopy(value)
        for key, value in geometry.items()
        if key not in ("coordinates", "geometries")
    }
    if kind == "GeometryCollection":
        result["geometries"] = [_rebuild(member, converted) for member in geometry["geometries"]]
    else:
        result["coordinates"] = _rebuild_nested(
            geometry["coordinates"], _POSITION_DEPTH[kind], converted
        )
    if "bbox" in result:
        result["bbox"] = _bbox(result)
    return result


def _rebuild_nested(value: Any, depth: int, converted: Iterator[list[Any]]) -> Any:
    if depth == 0:
        return next(converted)
    return [_rebuild_nested(item, depth - 1, converted) for item in value]


def _bbox(geometry: Mapping[str, Any]) -> list[float]:
    """A 2D bbox of the converted geometry; a 3D one keeps its (unchanged) altitude range."""
    positions: list[list[Any]] = []
    _collect_positions(geometry, positions)
    if not positions:
        return list(geometry["bbox"])
    lons = [p[0] for p in positions]
    lats = [p[1] for p in positions]
    old = list(geometry["bbox"])
    if len(old) == 6:
        return [min(lons), min(lats), old[2], max(lons), max(lats), old[5]]
    return [min(lons), min(lats), max(lons), max(lats)]
