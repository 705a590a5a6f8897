"""Importing the area tree from statistical-code CSVs and area outlines from GeoJSON files.

Both imports check the whole input first and write nothing when any of it is refused; both are
idempotent (a re-run updates in place and creates nothing). All writes go through geo.actions.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
import shapely.errors
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from finegrid.geo.actions import set_area_boundary, upsert_area
from finegrid.geo.crs import CRS, UnknownCRS, convert_geometry, looks_swapped, parse_crs
from finegrid.geo.geometry import GeometryError, parse_polygon, to_geojson
from finegrid.geo.models import CODE_LENGTH, PARENT_LEVEL, Area, AreaClass, AreaLevel

_NAME_LENGTH = Area._meta.get_field("name").max_length or 100


# --------------------------------------------------------------------------------------------
# Problems and the error that carries them


@dataclass(frozen=True, slots=True)
class RowProblem:
    """What is wrong with one row (or, with row 0, the whole file) of a CSV file."""

    file: str
    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        if not self.file:  # an argument of the import, not a file
            return _("%(field)s：%(reason)s") % {"field": self.field, "reason": self.reason}
        if self.row == 0:
            return _("%(file)s，%(field)s：%(reason)s") % {
                "file": self.file,
                "field": self.field,
                "reason": self.reason,
            }
        return _("%(file)s 第 %(row)d 行，字段 %(field)s：%(reason)s") % {
            "file": self.file,
            "row": self.row,
            "field": self.field,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class FeatureProblem:
    """Why one feature of a GeoJSON file (features[index], 0-based as in the file) was refused."""

    file: str
    index: int
    code: str
    reason: str

    def __str__(self) -> str:
        if self.index < 0:
            return _("%(file)s：%(reason)s") % {"file": self.file, "reason": self.reason}
        return _("%(file)s features[%(index)d]（代码 %(code)s）：%(reason)s") % {
            "file": self.file,
            "index": self.index,
            "code": self.code or "-",
            "reason": self.reason,
        }


Problem = RowProblem | FeatureProblem


class GeoImportError(ValueError):
    """The input cannot be imported and nothing was written; `problems` says where and why."""

    def __init__(self, problems: Sequence[Problem], report: BoundaryReport | None = None) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems: list[Problem] = list(problems)
        #: For a refused boundary import: its unmatched features too, to fix in the same pass.
        self.report = report


# --------------------------------------------------------------------------------------------
# Areas from statistical-code CSVs


@dataclass(slots=True)
class LevelCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class ImportReport:
    """How many areas of each level an import created, updated and left as they were."""

    city_code: str
    counts: dict[AreaLevel, LevelCounts]

    @property
    def created(self) -> int:
        return sum(c.created for c in self.counts.values())

    @property
    def updated(self) -> int:
        return sum(c.updated for c in self.counts.values())

    @property
    def unchanged(self) -> int:
        return sum(c.unchanged for c in self.counts.values())


@dataclass(frozen=True, slots=True)
class _CsvLayout:
    level: AreaLevel
    parent_column: str | None  # None: the parent is the city given on the command line


_LAYOUTS = (
    _CsvLayout(AreaLevel.DISTRICT, None),
    _CsvLayout(AreaLevel.STREET, "areaCode"),
    _CsvLayout(AreaLevel.COMMUNITY, "streetCode"),
)


@dataclass(frozen=True, slots=True)
class _AreaRow:
    file: str
    row: int
    code: str
    name: str
    level: AreaLevel
    parent_code: str


def import_areas(
    *,
    city_code: str,
    city_name: str,
    districts: Path,
    streets: Path | None = None,
    communities: Path | None = None,
) -> ImportReport:
    """Create or update the city → district → street → community tree from statistical-code CSVs.

    Names are kept exactly as the statistics bureau gives them (e.g. “门楼社区居委会”), only
    trimmed of surrounding spaces. The area class of an existing area is the city's own decision
    and is never changed by an import; areas missing from the files are left alone.
    Raises GeoImportError listing every bad row; then nothing is written.
    """
    problems: list[Problem] = []
    city_code = city_code.strip()
    city_name = city_name.strip()
    if len(city_code) != 6 or not city_code.isdigit() or not city_code.endswith("00"):
        problems.append(
            RowProblem(
                "",
                0,
                "city_code",
                _("市代码应为以00结尾的6位数字，实际为“%(code)s”") % {"code": city_code},
            )
        )
    if not city_name:
        problems.append(RowProblem("", 0, "city_name", _("市名称为空")))
    if problems:
        raise GeoImportError(problems)

    existing = {a.code: a for a in _areas_of_city(city_code)}
    files = [(districts, _LAYOUTS[0]), (streets, _LAYOUTS[1]), (communities, _LAYOUTS[2])]
    rows: list[_AreaRow] = []
    # Where each code was first seen: (file, row); the city itself is "seen" on the command line.
    seen: dict[str, tuple[str, int]] = {city_code: ("--city-code", 0)}
    codes_by_level: dict[AreaLevel, set[str]] = {AreaLevel.CITY: {city_code}}
    for path, layout in files:
        codes_by_level[layout.level] = set()
        if path is None:
            continue
        file_rows, file_problems = _read_area_csv(path, layout, city_code=city_code)
        problems.extend(file_problems)
        for row in file_rows:
            row_problems = _check_area_row(
                row,
                city_code=city_code,
                seen=seen,
                parents_in_files=codes_by_level[
                    AreaLevel(PARENT_LEVEL[row.level] or AreaLevel.CITY)
                ],
                existing=existing,
                parent_column=layout.parent_column or "code",
            )
            problems.extend(row_problems)
            if row.code not in seen:
                seen[row.code] = (row.file, row.row)
                codes_by_level[row.level].add(row.code)
            if not row_problems:
                rows.append(row)
    if problems:
        raise GeoImportError(problems)

    counts = {level: LevelCounts() for level in AreaLevel}
    city_row = _AreaRow("--city-code", 0, city_code, city_name, AreaLevel.CITY, "")
    with transaction.atomic():
        for row in [city_row, *rows]:
            parent = existing[row.parent_code] if row.parent_code else None
            try:
                existing[row.code] = _upsert_from_row(row, parent, existing.get(row.code), counts)
            except ValidationError as invalid:
                # The checks above should have caught it; if not, still name the row and write nothing.
                raise GeoImportError(
                    [RowProblem(row.file, row.row, "code", "；".join(invalid.messages))]
                ) from None
    return ImportReport(city_code=city_code, counts=counts)


def _areas_of_city(city_code: str) -> Iterable[Area]:
    """The current areas of the city: the city itself and every code sharing its first 4 digits."""
    return Area.objects.current().filter(code__startswith=city_code[:4]).select_related("parent")


def _upsert_from_row(
    row: _AreaRow, parent: Area | None, current: Area | None, counts: dict[AreaLevel, LevelCounts]
) -> Area:
    tally = counts[row.level]
    if current is None:
        tally.created += 1
        return upsert_area(code=row.code, name=row.name, level=row.level, parent=parent)
    if (
        current.name == row.name
        and current.level == row.level
        and current.parent_id == (parent.pk if parent else None)
    ):
        # Untouched rows are not written, so the geography version (and spatial indexes) stay put.
        tally.unchanged += 1
        return current
    tally.updated += 1
    return upsert_area(
        code=row.code,
        name=row.name,
        level=row.level,
        parent=parent,
        area_class=AreaClass(current.area_class),
    )


def _read_area_csv(
    path: Path, layout: _CsvLayout, *, city_code: str
) -> tuple[list[_AreaRow], list[Problem]]:
    name = path.name
    try:
        # utf-8-sig: spreadsheets on Windows put a byte-order mark in front of the header.
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return [], [RowProblem(name, 0, "-", _("文件不存在"))]
    except UnicodeDecodeError:
        return [], [RowProblem(name, 0, "-", _("文件不是 UTF-8 编码，请另存为 UTF-8 格式的 CSV"))]
    required = ["code", "name"] + ([layout.parent_column] if layout.parent_column else [])
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[_AreaRow] = []
    problems: list[Problem] = []
    columns: dict[str, int] | None = None
    width = 0
    first_line = 1
    try:
        for cells in reader:
            number = first_line
            first_line = reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                header = [cell.strip().lower() for cell in cells]
                missing = [c for c in required if c.lower() not in header]
                if missing:
                    reason = _("表头缺少列 %(missing)s（应包含 %(required)s）") % {
                        "missing": ", ".join(missing),
                        "required": ",".join(required),
                    }
                    return [], [RowProblem(name, number, "-", reason)]
                columns = {c: header.index(c.lower()) for c in required}
                width = len(header)
                continue
            if len(cells) != width:
                reason = _("应有 %(expected)d 列，实际有 %(count)d 列") % {
                    "expected": width,
                    "count": len(cells),
                }
                problems.append(RowProblem(name, number, "-", reason))
                continue
            parent_code = (
                cells[columns[layout.parent_column]].strip() if layout.parent_column else city_code
            )
            rows.append(
                _AreaRow(
                    file=name,
                    row=number,
                    code=cells[columns["code"]].strip(),
                    name=cells[columns["name"]].strip(),
                    level=layout.level,
                    parent_code=parent_code,
                )
            )
    except csv.Error as exc:
        # Named by the line the broken record starts on: an open quote swallows the lines after it.
        problems.append(
            RowProblem(
                name,
                first_line,
                "-",
                _("CSV 格式错误（请检查引号是否成对）：%(error)s") % {"error": exc},
            )
        )
    if columns is None:
        problems.append(RowProblem(name, 0, "-", _("文件为空，没有表头")))
    elif not rows and not problems:
        problems.append(RowProblem(name, 0, "-", _("文件中没有数据行")))
    return rows, problems


def _check_area_row(
    row: _AreaRow,
    *,
    city_code: str,
    seen: Mapping[str, tuple[str, int]],
    parents_in_files: set[str],
    existing: Mapping[str, Area],
    parent_column: str,
) -> list[Problem]:
    problems: list[Problem] = []

    def problem(column: str, reason: str) -> None:
        problems.append(RowProblem(row.file, row.row, column, reason))

    length = CODE_LENGTH[row.level]
    well_formed = len(row.code) == length and row.code.isdigit()
    other = existing.get(row.code)
    if not row.code:
        problem("code", _("代码为空"))
    elif not well_formed:
        problem(
            "code",
            _("%(level)s代码应为%(n)d位数字，实际为“%(code)s”")
            % {"level": row.level.label, "n": length, "code": row.code},
        )
    elif row.code in seen:
        problem("code", _duplicate_reason(row, *seen[row.code]))
    elif other is not None and other.level != row.level:
        problem(
            "code",
            _("代码 %(code)s 已被%(level)s“%(name)s”使用")
            % {"code": row.code, "level": other.get_level_display(), "name": other.name},
        )
    if not row.name:
        problem("name", _("名称为空"))
    elif len(row.name) > _NAME_LENGTH:
        problem("name", _("名称超过 %(limit)d 个字符") % {"limit": _NAME_LENGTH})

    if row.level == AreaLevel.DISTRICT:
        if well_formed and row.code[:4] != city_code[:4]:
            problem(
                "code",
                _("区(县)代码 %(code)s 的前4位应与所属市 %(city)s 一致")
                % {"code": row.code, "city": city_code},
            )
        return problems
    parent_level = PARENT_LEVEL[row.level]
    assert parent_level is not None
    parent = existing.get(row.parent_code)
    if not row.parent_code:
        problem(parent_column, _("上级区域代码为空"))
    elif row.parent_code not in parents_in_files and (
        parent is None or parent.level != parent_level
    ):
        problem(
            parent_column,
            _("上级区域 %(parent)s 不存在（文件和数据库中都没有这个%(level)s）")
            % {"parent": row.parent_code, "level": AreaLevel(parent_level).label},
        )
    elif well_formed and not row.code.startswith(row.parent_code):
        problem(
            "code",
            _("代码 %(code)s 应以上级区域代码 %(parent)s 开头")
            % {"code": row.code, "parent": row.parent_code},
        )
    return problems


def _duplicate_reason(row: _AreaRow, file: str, number: int) -> str:
    if number == 0:
        return _("代码 %(code)s 与市代码重复") % {"code": row.code}
    if file == row.file:
        return _("代码 %(code)s 与第 %(row)d 行重复") % {"code": row.code, "row": number}
    return _("代码 %(code)s 与 %(file)s 第 %(row)d 行重复") % {
        "code": row.code,
        "file": file,
        "row": number,
    }


# --------------------------------------------------------------------------------------------
# Outlines from GeoJSON


#: Properties that carry an area's code, tried in this order unless the caller names one.
CODE_PROPERTIES = ("adcode", "code", "admin_code")
#: Properties that carry an area's name (the Beijing street files use `Name`).
NAME_PROPERTIES = ("name", "Name", "NAME")
#: An OGC URN in a `crs` member (GeoJSON 2008): urn:ogc:def:crs:EPSG::4326, urn:ogc:def:crs:OGC:1.3:CRS84.
_CRS_URN = re.compile(r"urn:ogc:def:crs:(?P<authority>\w+):[\d.]*:(?P<code>\w+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class MatchedFeature:
    """A feature whose outline goes to (or already is) the outline of the area `code`."""

    file: str
    index: int
    code: str
    feature_code: str
    feature_name: str
    area_name: str
    created: bool = False
    changed: bool = True

    @property
    def name_differs(self) -> bool:
        return bool(self.feature_name) and self.feature_name != self.area_name


@dataclass(frozen=True, slots=True)
class UnmatchedFeature:
    """A feature that matches no current area; reported, and stored nowhere."""

    file: str
    index: int
    code: str
    name: str
    reason: str

    def __str__(self) -> str:
        return _("%(file)s features[%(index)d]（代码 %(code)s，%(name)s）：%(reason)s") % {
            "file": self.file,
            "index": self.index,
            "code": self.code or "-",
            "name": self.name or "-",
            "reason": self.reason,
        }


@dataclass(frozen=True)
class BoundaryReport:
    """What a boundary import matched, could not match and refused, feature by feature."""

    crs: dict[str, CRS] = field(default_factory=dict)  # file name → the CRS its coordinates were in
    matched: tuple[MatchedFeature, ...] = ()
    unmatched: tuple[UnmatchedFeature, ...] = ()
    refused: tuple[FeatureProblem, ...] = ()

    @property
    def stored(self) -> int:
        """Outlines written: new or different from what was stored."""
        return sum(1 for m in self.matched if m.changed)

    @property
    def unchanged(self) -> int:
        return sum(1 for m in self.matched if not m.changed)

    @property
    def created(self) -> list[str]:
        return [m.code for m in self.matched if m.created]

    @property
    def name_mismatches(self) -> list[MatchedFeature]:
        return [m for m in self.matched if m.name_differs]

    def __add__(self, other: BoundaryReport) -> BoundaryReport:
        return BoundaryReport(
            crs={**self.crs, **other.crs},
            matched=self.matched + other.matched,
            unmatched=self.unmatched + other.unmatched,
            refused=self.refused + other.refused,
        )


@dataclass(slots=True)
class _Plan:
    """One feature on its way in: the area it goes to (or will create) and its WGS-84 outline."""

    index: int
    feature_code: str
    feature_name: str
    code: str
    level: AreaLevel
    geometry: dict[str, Any]
    area: Area | None
    parent_code: str | None = None


def import_boundaries(
    *,
    path: Path,
    crs: CRS | None = None,
    level: AreaLevel | None = None,
    code_property: str | None = None,
    name_property: str | None = None,
    strict: bool = False,
    create_missing: bool = False,
    parent_code: str | None = None,
) -> BoundaryReport:
    """Store the outlines of a GeoJSON FeatureCollection on the current areas with the same codes.

    `crs` is the coordinate system of the file; when None, the file's `crs` member decides, and
    without one it is WGS-84 (RFC 7946). DataV files are GCJ-02 and say nothing: pass CRS.GCJ02.
    A 12-digit code ending in 000 (110101001000) is read as the street 110101001, one ending in
    000000 as the district; `level` restricts matching to one level.
    Refused features (bad geometry, duplicate code, an area that cannot be created) raise
    GeoImportError and nothing is stored; unmatched features are reported and skipped, unless
    `strict`. With `create_missing`, an unmatched feature becomes a new area named from its
    properties under `parent_code` (or the parent its code implies).
    """
    with transaction.atomic():
        return _import_boundaries(
            path=path,
            crs=crs,
            level=level,
            code_property=code_property,
            name_property=name_property,
            strict=strict,
            create_missing=create_missing,
            parent_code=parent_code,
        )


def _import_boundaries(
    *,
    path: Path,
    crs: CRS | None,
    level: AreaLevel | None,
    code_property: str | None,
    name_property: str | None,
    strict: bool,
    create_missing: bool,
    parent_code: str | None,
) -> BoundaryReport:
    file = path.name
    features, source_crs = _read_feature_collection(path, crs)
    # Outlines stay deferred: only those of matched areas are read, to compare with the new ones.
    current = {a.code: a for a in Area.objects.current().defer("boundary")}
    parent: Area | None = None
    if parent_code is not None:
        parent = current.get(parent_code)
        if parent is None:
            reason = _("没有代码为 %(code)s 的现行区域，不能作为上级区域") % {"code": parent_code}
            raise GeoImportError([FeatureProblem(file, -1, parent_code, reason)])

    plans: list[_Plan] = []
    unmatched: list[UnmatchedFeature] = []
    refused: list[FeatureProblem] = []
    first_index: dict[str, int] = {}
    for index, feature in enumerate(features):
        properties = _properties(feature)
        raw_code = _feature_code(properties, code_property)
        name = _feature_name(properties, name_property)

        def skip(reason: str, code: str = raw_code, name: str = name, index: int = index) -> None:
            unmatched.append(UnmatchedFeature(file, index, code, name, reason))

        def refuse(reason: str, code: str = raw_code, index: int = index) -> None:
            refused.append(FeatureProblem(file, index, code, reason))

        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            refuse(_("不是GeoJSON要素（Feature）"))
            continue
        if not raw_code:
            wanted = [code_property] if code_property else list(CODE_PROPERTIES)
            skip(_("要素没有代码属性（%(names)s）") % {"names": "、".join(wanted)})
            continue
        hint = level or _level_hint(properties)
        resolved = _resolve_code(raw_code, hint, current)
        if isinstance(resolved, str):
            skip(resolved)
            continue
        code, code_level = resolved
        if code in first_index:
            refuse(
                _("与 features[%(other)d] 的代码 %(code)s 重复")
                % {"other": first_index[code], "code": code}
            )
            continue
        first_index[code] = index
        geometry = _checked_wgs84(feature.get("geometry"), source_crs)
        if isinstance(geometry, str):
            if feature.get("geometry") is None:
                skip(geometry)
            else:
                refuse(geometry)
            continue
        area = current.get(code)
        plan = _Plan(index, raw_code, name, code, code_level, geometry, area)
        if area is None:
            if not create_missing:
                skip(_("没有代码为 %(code)s 的现行区域") % {"code": code})
                continue
            reason = _plan_creation(
                plan, parent, current, {p.code for p in plans if p.area is None}
            )
            if reason:
                refuse(reason)
                continue
        plans.append(plan)

    if strict and unmatched:
        refused.extend(FeatureProblem(u.file, u.index, u.code, u.reason) for u in unmatched)
    if refused:
        refused.sort(key=lambda p: p.index)
        report = BoundaryReport({file: source_crs}, (), tuple(unmatched), tuple(refused))
        raise GeoImportError(refused, report)

    matched = [_store(plan, file, current) for plan in sorted(plans, key=_creation_order)]
    matched.sort(key=lambda m: m.index)
    return BoundaryReport({file: source_crs}, tuple(matched), tuple(unmatched), ())


def _read_feature_collection(path: Path, crs: CRS | None) -> tuple[list[Any], CRS]:
    file = path.name

    def fail(reason: str) -> GeoImportError:
        return GeoImportError([FeatureProblem(file, -1, "", reason)])

    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise fail(_("文件不存在")) from None
    except UnicodeDecodeError:
        raise fail(_("文件不是 UTF-8 编码")) from None
    except json.JSONDecodeError as exc:
        raise fail(
            _("不是合法的JSON：第 %(line)d 行第 %(column)d 列，%(error)s")
            % {"line": exc.lineno, "column": exc.colno, "error": exc.msg}
        ) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise fail(_("不是GeoJSON要素集合（FeatureCollection）"))
    features = data.get("features")
    if not isinstance(features, list):
        raise fail(_("要素集合缺少 features 数组"))
    if crs is not None:
        # The caller knows better than a `crs` member, which tools often write by default.
        return features, crs
    declared = _declared_crs_name(data.get("crs"))
    if declared is None:
        return features, CRS.WGS84
    match = _CRS_URN.fullmatch(declared.strip())
    name = f"{match['authority']}:{match['code']}" if match else declared
    if name.strip().upper() in ("OGC:CRS84", "CRS84"):
        return features, CRS.WGS84
    try:
        return features, parse_crs(name)
    except UnknownCRS:
        raise fail(
            _(
                "文件声明的坐标系 %(crs)s 不受支持；"
                "若坐标实为经纬度，请用 --crs 指明 wgs84、gcj02 或 bd09"
            )
            % {"crs": declared}
        ) from None


def _declared_crs_name(member: Any) -> str | None:
    if member is None:
        return None
    if isinstance(member, dict):
        properties = member.get("properties")
        if isinstance(properties, dict) and isinstance(properties.get("name"), str):
            return str(properties["name"])
    return json.dumps(member, ensure_ascii=False)


def _properties(feature: Any) -> dict[str, Any]:
    if isinstance(feature, dict) and isinstance(feature.get("properties"), dict):
        return dict(feature["properties"])
    return {}


def _feature_code(properties: Mapping[str, Any], code_property: str | None) -> str:
    for key in [code_property] if code_property else CODE_PROPERTIES:
        value = properties.get(key)
        # DataV and the Beijing files write codes as JSON numbers.
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int | str) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return ""


def _feature_name(properties: Mapping[str, Any], name_property: str | None) -> str:
    for key in [name_property] if name_property else NAME_PROPERTIES:
        value = properties.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _level_hint(properties: Mapping[str, Any]) -> AreaLevel | None:
    """The feature's own `level` property when it names one of ours (DataV and our exports do)."""
    value = properties.get("level")
    return AreaLevel(value) if value in AreaLevel.values else None


def _level_of(code: str) -> AreaLevel:
    if len(code) == 6:
        return AreaLevel.CITY if code.endswith("00") else AreaLevel.DISTRICT
    return AreaLevel.STREET if len(code) == 9 else AreaLevel.COMMUNITY


def _resolve_code(
    raw: str, hint: AreaLevel | None, current: Mapping[str, Area]
) -> tuple[str, AreaLevel] | str:
    """The area code and level a feature's code stands for, or why it stands for none."""
    if not raw.isdigit() or len(raw) not in (6, 9, 12):
        return _("代码 %(code)s 应为6、9或12位数字，实际为%(n)d位") % {"code": raw, "n": len(raw)}
    candidates = [raw]
    if len(raw) == 12 and raw.endswith("000000"):
        candidates = [raw[:6]]
    elif len(raw) == 12 and raw.endswith("000"):
        # Codes padded to 12 digits: 110101001000 is the street 110101001. The grid generator's
        # stand-in community (street + 000) is matched only when the feature says it is a community.
        candidates = [raw[:9], raw]
    pairs = [(code, _level_of(code)) for code in candidates]
    if hint is not None:
        pairs = [(code, lvl) for code, lvl in pairs if lvl == hint]
        if not pairs:
            return _("代码 %(code)s 是%(level)s代码，不是%(wanted)s代码") % {
                "code": raw,
                "level": _level_of(candidates[0]).label,
                "wanted": hint.label,
            }
    for code, lvl in pairs:
        area = current.get(code)
        if area is not None and area.level == lvl:
            return code, lvl
    return pairs[0]


def _checked_wgs84(geometry: Any, source: CRS) -> dict[str, Any] | str:
    """The geometry in WGS-84 if it is a sound polygon, or the reason it is refused."""
    if geometry is None:
        return _("要素没有几何（geometry 为 null）")
    try:
        # Checked before converting too: a swapped or misplaced outline is explained in its own terms.
        parse_polygon(geometry)
        converted = (
            geometry if source == CRS.WGS84 else convert_geometry(geometry, source, CRS.WGS84)
        )
        parse_polygon(converted)
    except GeometryError as exc:
        if _swapped(geometry):
            # parse_polygon judges lon/lat range before China, so (lat, lon) pairs east of 90°E
            # would only be called "not longitude/latitude"; say what is really wrong.
            return _("坐标不在中国境内，经纬度似乎写反了（应为[经度, 纬度]）")
        return str(exc)
    except (ValueError, TypeError) as exc:
        return _("坐标转换失败：%(error)s") % {"error": exc}
    return converted


def _swapped(geometry: Any) -> bool:
    """Whether the outline lies in China once each position's two numbers are exchanged."""
    try:
        min_x, min_y, max_x, max_y = shape(geometry).bounds
    except (ValueError, TypeError, IndexError, AttributeError, shapely.errors.GEOSException):
        return False
    if not all(math.isfinite(v) for v in (min_x, min_y, max_x, max_y)):
        return False
    return looks_swapped((min_x + max_x) / 2, (min_y + max_y) / 2)


def _plan_creation(
    plan: _Plan, parent: Area | None, current: Mapping[str, Area], planned: set[str]
) -> str:
    """Why an area cannot be created for this feature, or "" when it can (plan.parent_code set)."""
    if not plan.feature_name:
        return _("没有代码为 %(code)s 的区域，要素也没有名称，无法新建") % {"code": plan.code}
    if len(plan.feature_name) > _NAME_LENGTH:
        return _("名称超过 %(limit)d 个字符") % {"limit": _NAME_LENGTH}
    parent_level = PARENT_LEVEL[plan.level]
    if parent_level is None:
        return ""
    implied = (
        plan.code[:4] + "00"
        if plan.level == AreaLevel.DISTRICT
        else plan.code[: len(plan.code) - 3]
    )
    if parent is not None:
        if parent.level != parent_level:
            return _("%(level)s不能直接属于%(parent_level)s“%(parent)s”") % {
                "level": plan.level.label,
                "parent_level": parent.get_level_display(),
                "parent": parent.name,
            }
        if implied != parent.code:
            return _("代码 %(code)s 不属于上级区域 %(parent)s") % {
                "code": plan.code,
                "parent": parent.code,
            }
    else:
        known = current.get(implied)
        if implied not in planned and (known is None or known.level != parent_level):
            return _("上级区域 %(parent)s 不存在，无法新建 %(code)s") % {
                "parent": implied,
                "code": plan.code,
            }
    plan.parent_code = implied
    return ""


def _creation_order(plan: _Plan) -> int:
    # Parents before children when one file creates both.
    return list(AreaLevel).index(plan.level)


def _store(plan: _Plan, file: str, current: dict[str, Area]) -> MatchedFeature:
    area = plan.area
    created = area is None
    if area is None:
        parent = current[plan.parent_code] if plan.parent_code else None
        area = upsert_area(code=plan.code, name=plan.feature_name, level=plan.level, parent=parent)
        current[area.code] = area
    changed = created or not _same_outline(area.boundary, parse_polygon(plan.geometry))
    if changed:
        set_area_boundary(area=area, geometry=plan.geometry)
    return MatchedFeature(
        file=file,
        index=plan.index,
        code=area.code,
        feature_code=plan.feature_code,
        feature_name=plan.feature_name,
        area_name=area.name,
        created=created,
        changed=changed,
    )


def _same_outline(stored: Any, geom: BaseGeometry) -> bool:
    """Whether storing `geom` would leave the stored outline as it is.

    Compared in normal form: rounding to the stored precision may start a ring at another vertex.
    """
    if stored is None:
        return False
    ours = shapely.normalize(shape(to_geojson(geom)))
    theirs = shapely.normalize(shape(stored))
    return bool(ours.equals_exact(theirs, tolerance=0))


# --------------------------------------------------------------------------------------------
# Beijing's 东城区 and 西城区 streets (the test data set; there is no Beijing statistical CSV)

BEIJING = ("110100", "北京市")
BEIJING_DISTRICTS = (("110101", "东城区"), ("110102", "西城区"))


def import_beijing_streets(dongcheng: Path, xicheng: Path) -> BoundaryReport:
    """Create 北京市, 东城区, 西城区 and their streets (named from `Name`) with their outlines."""
    with transaction.atomic():
        city = _ensure_area(BEIJING[0], BEIJING[1], AreaLevel.CITY, None)
        for code, name in BEIJING_DISTRICTS:
            _ensure_area(code, name, AreaLevel.DISTRICT, city)
        report = BoundaryReport()
        for path, (district_code, _name) in zip(
            (dongcheng, xicheng), BEIJING_DISTRICTS, strict=True
        ):
            report += _import_boundaries(
                path=path,
                crs=None,
                level=AreaLevel.STREET,
                code_property="code",
                name_property="Name",
                strict=False,
                create_missing=True,
                parent_code=district_code,
            )
    return report


def _ensure_area(code: str, name: str, level: AreaLevel, parent: Area | None) -> Area:
    area = Area.objects.current().filter(code=code).first()
    if (
        area is not None
        and area.name == name
        and area.level == level
        and area.parent_id == (parent.pk if parent else None)
    ):
        return area
    keep = AreaClass(area.area_class) if area is not None else AreaClass.ORDINARY
    return upsert_area(code=code, name=name, level=level, parent=parent, area_class=keep)
