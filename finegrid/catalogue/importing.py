"""Reading and checking the files a city imports (component inventories, edited catalogues).

Nothing here writes: each reader returns clean rows or raises CatalogueImportError with every
problem found, and the actions in `finegrid.catalogue.actions` write the rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from finegrid.catalogue.codes import ComponentCodeChecker
from finegrid.catalogue.errors import CatalogueImportError, ImportProblem
from finegrid.catalogue.models import TIME_UNIT_NAMES, Category, ComponentStatus, Kind, Urgency
from finegrid.org.models import Unit
from finegrid.worktime.calendar import TimeUnit


@dataclass(frozen=True)
class FieldSpec:
    """One attribute of GB/T 47678.5-2026 table "管理部件": its name, abbreviation and our field."""

    name: str
    abbr: str
    attr: str
    length: int
    required: bool
    # A field with a format of its own (codes, dates) reports that format, not a bare length.
    formatted: bool = False


COMPONENT_FIELDS: Final[tuple[FieldSpec, ...]] = (
    FieldSpec("管理部件标识码", "GLBJBSM", "code", 17, True, formatted=True),
    FieldSpec("管理部件名称", "GLBJMC", "name", 30, True),
    FieldSpec("主管部门代码", "ZGBMDM", "owner_credit_code", 18, True, formatted=True),
    FieldSpec("主管部门名称", "ZGBMMC", "owner_name", 100, True),
    FieldSpec("权属单位代码", "QSDWDM", "proprietor_credit_code", 18, False, formatted=True),
    FieldSpec("权属单位名称", "QSDWMC", "proprietor_name", 100, False),
    FieldSpec("养护单位代码", "YHDWDM", "maintainer_credit_code", 18, False, formatted=True),
    FieldSpec("养护单位名称", "YHDWMC", "maintainer_name", 100, False),
    FieldSpec("所在单元网格标识码", "SZDYWGBSM", "grid_code", 15, True, formatted=True),
    FieldSpec("管理部件状态", "GLBJZT", "status", 10, True, formatted=True),
    FieldSpec("初始日期", "CSRQ", "surveyed_on", 8, True, formatted=True),
    FieldSpec("变更日期", "BGRQ", "changed_on", 8, False, formatted=True),
    FieldSpec("数据来源", "SJLY", "data_source", 30, False),
    FieldSpec("备注", "BZ", "remarks", 1000, False),
    FieldSpec("所在街道(镇、乡)代码", "SZJDDM", "street_code", 9, False, formatted=True),
    FieldSpec("所在街道(镇、乡)名称", "SZJDMC", "street_name", 50, False),
    FieldSpec("所在社区(村)代码", "SZSQDM", "community_code", 12, False, formatted=True),
    FieldSpec("所在社区(村)名称", "SZSQMC", "community_name", 50, False),
)
LON_FIELD: Final = "经度"
LAT_FIELD: Final = "纬度"
GEOMETRY_FIELD: Final = "geometry"
_LOCATION_ALIASES: Final[Mapping[str, str]] = {
    "经度": LON_FIELD,
    "lon": LON_FIELD,
    "lng": LON_FIELD,
    "longitude": LON_FIELD,
    "纬度": LAT_FIELD,
    "lat": LAT_FIELD,
    "latitude": LAT_FIELD,
}


def header_key(name: str) -> str:
    """A column name as compared: full-width brackets and letters folded, case ignored."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


def _aliases(specs: Sequence[FieldSpec]) -> dict[str, str]:
    aliases = {header_key(spec.name): spec.name for spec in specs}
    aliases |= {header_key(spec.abbr): spec.name for spec in specs}
    return aliases


COMPONENT_ALIASES: Final = _aliases(COMPONENT_FIELDS) | {
    header_key(alias): target for alias, target in _LOCATION_ALIASES.items()
}


@dataclass
class Record:
    """One row or feature, its values keyed by the standard field name."""

    position: int
    values: dict[str, str]
    geometry: Any = None  # GeoJSON only: the feature's geometry member


@dataclass
class Table:
    """A file's records, and what a problem found in it is located by."""

    file: str
    is_geojson: bool
    columns: frozenset[str]  # standard names present in a CSV header; empty for GeoJSON
    records: list[Record] = field(default_factory=list)

    def problem(self, position: int | None, field_name: str, reason: str) -> ImportProblem:
        return ImportProblem(self.file, position, field_name, reason, is_feature=self.is_geojson)


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheets saved as CSV on Chinese Windows are GBK; GB 18030 is its superset.
        return data.decode("gb18030")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(path: Path, aliases: Mapping[str, str]) -> Table:
    """A CSV (header row + rows) or GeoJSON FeatureCollection, its columns mapped through aliases."""
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".geojson", ".json"}:
        raise CatalogueImportError([ImportProblem(name, None, "", _("只支持CSV和GeoJSON文件"))])
    try:
        text = _read_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueImportError(
            [ImportProblem(name, None, "", _("无法读取文件：%(error)s") % {"error": exc})]
        ) from None
    if suffix == ".csv":
        return _read_csv(name, text, aliases)
    return _read_geojson(name, text, aliases)


def _read_csv(name: str, text: str, aliases: Mapping[str, str]) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise CatalogueImportError([ImportProblem(name, None, "", _("文件为空"))])
    targets = [aliases.get(header_key(column)) for column in header]
    table = Table(name, is_geojson=False, columns=frozenset(t for t in targets if t))
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        values = {t: _cell(c) for t, c in zip(targets, cells, strict=False) if t is not None}
        table.records.append(Record(position=reader.line_num, values=values))
    return table


def _read_geojson(name: str, text: str, aliases: Mapping[str, str]) -> Table:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogueImportError(
            [ImportProblem(name, None, "", _("不是有效的JSON：%(error)s") % {"error": exc.msg})]
        ) from None
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list) or document.get("type") != "FeatureCollection":
        raise CatalogueImportError(
            [ImportProblem(name, None, "", _("GeoJSON文件应为FeatureCollection"))]
        )
    table = Table(name, is_geojson=True, columns=frozenset())
    for index, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            feature = {}
        properties = feature.get("properties")
        if not isinstance(properties, dict):
            properties = {}
        values: dict[str, str] = {}
        for key, value in properties.items():
            target = aliases.get(header_key(str(key)))
            if target is not None:
                values[target] = _cell(value)
        table.records.append(
            Record(
                position=index,
                values=values,
                geometry=feature.get("geometry"),
            )
        )
    return table


@dataclass(frozen=True)
class ComponentRow:
    """A checked component, ready to be written (attribute names of the Component model)."""

    position: int
    code: str
    category: Category
    values: Mapping[str, Any]


_DIGITS: Final = re.compile(r"^[0-9]+$")
_CREDIT_CODE: Final = re.compile(r"^[0-9A-Z]{18}$")
# Data values, not UI labels: fixed Chinese whatever the language the importer runs in.
STATUS_BY_TEXT: Final[Mapping[str, ComponentStatus]] = {
    "完好": ComponentStatus.INTACT,
    "破损": ComponentStatus.DAMAGED,
    "丢失": ComponentStatus.LOST,
    "废弃": ComponentStatus.ABANDONED,
    "移除": ComponentStatus.REMOVED,
    **{status.value: status for status in ComponentStatus},
}


def _parse_date(text: str) -> dt.date | None:
    if len(text) != 8 or not _DIGITS.match(text):
        return None
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


def _parse_coordinate(text: str, low: float, high: float) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if low <= value <= high else None


class _RowChecker:
    """Collects the problems of one record while turning its text into typed values."""

    def __init__(self, table: Table, record: Record) -> None:
        self.table = table
        self.record = record
        self.problems: list[ImportProblem] = []

    def fail(self, field_name: str, reason: str) -> None:
        self.problems.append(self.table.problem(self.record.position, field_name, reason))

    def text(self, spec: FieldSpec) -> str:
        value = self.record.values.get(spec.name, "")
        if not value:
            if spec.required:
                self.fail(spec.name, _("必填字段不能为空"))
            return ""
        if not spec.formatted and len(value) > spec.length:
            self.fail(spec.name, _("长度不能超过%(n)d个字符") % {"n": spec.length})
            return ""
        return value


def _location(checker: _RowChecker) -> tuple[float | None, float | None]:
    record = checker.record
    if record.geometry is not None:
        geometry = record.geometry
        coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        if kind != "Point":
            checker.fail(GEOMETRY_FIELD, _("几何类型应为Point，实际为%(kind)s") % {"kind": kind})
            return None, None
        if (
            not isinstance(coordinates, list)
            or len(coordinates) < 2
            or not all(isinstance(c, int | float) for c in coordinates[:2])
        ):
            checker.fail(GEOMETRY_FIELD, _("Point坐标应为[经度, 纬度]"))
            return None, None
        lon_text, lat_text = str(coordinates[0]), str(coordinates[1])
    else:
        lon_text = record.values.get(LON_FIELD, "")
        lat_text = record.values.get(LAT_FIELD, "")
        if not lon_text and not lat_text:
            return None, None
        if not lon_text or not lat_text:
            checker.fail(LON_FIELD if not lon_text else LAT_FIELD, _("经度和纬度应同时填写"))
            return None, None
    lon = _parse_coordinate(lon_text, -180.0, 180.0)
    lat = _parse_coordinate(lat_text, -90.0, 90.0)
    if lon is None:
        checker.fail(LON_FIELD, _("经度应为-180到180之间的数字"))
    if lat is None:
        checker.fail(LAT_FIELD, _("纬度应为-90到90之间的数字"))
    if lon is None or lat is None:
        return None, None
    return lon, lat


def _check_component(
    table: Table, record: Record, codes: ComponentCodeChecker, units: _UnitIndex
) -> tuple[ComponentRow | None, list[ImportProblem]]:
    checker = _RowChecker(table, record)
    specs = {spec.attr: spec for spec in COMPONENT_FIELDS}
    text = {attr: checker.text(spec) for attr, spec in specs.items()}
    category: Category | None = None
    if text["code"]:
        try:
            category = codes.check(text["code"])
        except ValidationError as exc:
            checker.fail(specs["code"].name, exc.messages[0])
    for attr in ("owner_credit_code", "proprietor_credit_code", "maintainer_credit_code"):
        if text[attr] and not _CREDIT_CODE.match(text[attr]):
            checker.fail(specs[attr].name, _("统一社会信用代码应为18位数字或大写字母"))
    grid = text["grid_code"]
    if grid and not (len(grid) == 15 and _DIGITS.match(grid)):
        checker.fail(specs["grid_code"].name, _("单元网格标识码应为15位数字"))
        grid = ""
    for attr, length, reason, mismatch in (
        (
            "street_code",
            9,
            _("街道(镇、乡)代码应为9位数字"),
            _("街道(镇、乡)代码应与单元网格标识码前9位一致"),
        ),
        (
            "community_code",
            12,
            _("社区(村)代码应为12位数字"),
            _("社区(村)代码应与单元网格标识码前12位一致"),
        ),
    ):
        value = text[attr]
        if not value:
            continue
        if len(value) != length or not _DIGITS.match(value):
            checker.fail(specs[attr].name, reason)
        elif grid and grid[:length] != value:
            # A grid code is district + street + community + serial, so its prefixes must agree.
            checker.fail(specs[attr].name, mismatch)
    status = STATUS_BY_TEXT.get(text["status"]) if text["status"] else None
    if text["status"] and status is None:
        checker.fail(specs["status"].name, _("部件状态应为完好、破损、丢失、废弃、移除之一"))
    dates: dict[str, dt.date | None] = {}
    for attr in ("surveyed_on", "changed_on"):
        dates[attr] = _parse_date(text[attr]) if text[attr] else None
        if text[attr] and dates[attr] is None:
            checker.fail(specs[attr].name, _("日期应为YYYYMMDD格式的有效日期"))
    surveyed, changed = dates["surveyed_on"], dates["changed_on"]
    if surveyed and changed and changed < surveyed:
        checker.fail(specs["changed_on"].name, _("变更日期不能早于初始日期"))
    lon, lat = _location(checker)
    if checker.problems or category is None:
        return None, checker.problems
    values: dict[str, Any] = {
        attr: text[attr]
        for attr in specs
        if attr not in {"code", "status", "surveyed_on", "changed_on"}
    }
    values |= {
        "category": category,
        "status": status,
        "surveyed_on": surveyed,
        "changed_on": changed,
        "lon": lon,
        "lat": lat,
        "owner": units.find(credit_code=text["owner_credit_code"], name=text["owner_name"]),
        "maintainer": units.find(
            credit_code=text["maintainer_credit_code"], name=text["maintainer_name"]
        ),
    }
    return ComponentRow(record.position, text["code"], category, values), []


class _UnitIndex:
    """Units by credit code and by name, so an owner named in the data links to our Unit."""

    def __init__(self) -> None:
        units = list(Unit.objects.all())
        self.by_credit_code = {u.credit_code: u for u in units if u.credit_code}
        self.by_name = {u.name: u for u in units}

    def find(self, *, credit_code: str, name: str) -> Unit | None:
        if credit_code and credit_code in self.by_credit_code:
            return self.by_credit_code[credit_code]
        return self.by_name.get(name) if name else None


def read_components(path: Path) -> list[ComponentRow]:
    """Every component of a CSV or GeoJSON file, checked; CatalogueImportError lists all problems."""
    table = read_table(path, COMPONENT_ALIASES)
    if not table.is_geojson:
        missing = [s.name for s in COMPONENT_FIELDS if s.required and s.name not in table.columns]
        if missing:
            raise CatalogueImportError(table.problem(1, m, _("缺少必填列")) for m in missing)
    codes = ComponentCodeChecker.load()
    units = _UnitIndex()
    rows: list[ComponentRow] = []
    problems: list[ImportProblem] = []
    first_seen: dict[str, int] = {}
    code_field = COMPONENT_FIELDS[0].name
    for record in table.records:
        row, found = _check_component(table, record, codes, units)
        problems.extend(found)
        if row is None:
            continue
        if row.code in first_seen:
            where = _("第%(n)d个要素") if table.is_geojson else _("第%(n)d行")
            problems.append(
                table.problem(
                    record.position,
                    code_field,
                    _("部件标识码与%(where)s重复") % {"where": where % {"n": first_seen[row.code]}},
                )
            )
            continue
        first_seen[row.code] = record.position
        rows.append(row)
    if problems:
        raise CatalogueImportError(problems)
    return rows


# --- A city's own catalogue: one CSV row per filing rule, category columns repeated ---


@dataclass(frozen=True)
class CategoryColumn:
    name: str  # the header the export writes
    key: str
    aliases: tuple[str, ...] = ()


CATEGORY_COLUMNS: Final[tuple[CategoryColumn, ...]] = (
    CategoryColumn("类型", "kind", ("kind",)),
    CategoryColumn("大类代码", "major_code", ("major_code",)),
    CategoryColumn("大类名称", "major_name", ("major_name",)),
    CategoryColumn("小类代码", "code", ("code",)),
    CategoryColumn("小类名称", "name", ("name",)),
    CategoryColumn("责任部门类型", "department_type", ("department_type",)),
    CategoryColumn("行动标签", "action_tags", ("action_tags",)),
    CategoryColumn("启用", "active", ("active",)),
    CategoryColumn("备注", "notes", ("notes",)),
    CategoryColumn("立案条件序号", "rule_order", ("rule_order",)),
    CategoryColumn("立案条件", "condition", ("condition",)),
    CategoryColumn("处置时限", "limit", ("limit",)),
    CategoryColumn("A紧急时限", "limit_a", ("limit_a",)),
    CategoryColumn("B重大时限", "limit_b", ("limit_b",)),
    CategoryColumn("C一般时限", "limit_c", ("limit_c",)),
    CategoryColumn("结案条件", "closing_criterion", ("closing_criterion",)),
    CategoryColumn("立案条件启用", "rule_active", ("rule_active",)),
)
CATEGORY_ALIASES: Final = {
    header_key(alias): column.name
    for column in CATEGORY_COLUMNS
    for alias in (column.name, *column.aliases)
}
_REQUIRED_CATEGORY_COLUMNS: Final = (
    "类型",
    "大类代码",
    "小类代码",
    "小类名称",
    "责任部门类型",
    "行动标签",
)
KIND_NAMES: Final[Mapping[str, str]] = {Kind.PART: "管理部件", Kind.MATTER: "管理事项"}
KIND_BY_TEXT: Final[Mapping[str, Kind]] = {
    "管理部件": Kind.PART,
    "管理事项": Kind.MATTER,
    "部件": Kind.PART,
    "事项": Kind.MATTER,
    **{kind.value: kind for kind in Kind},
}
URGENCY_COLUMNS: Final = (
    ("A紧急时限", Urgency.URGENT),
    ("B重大时限", Urgency.MAJOR),
    ("C一般时限", Urgency.ORDINARY),
)
_TRUE: Final = frozenset({"是", "启用", "1", "true", "yes", "y"})
_FALSE: Final = frozenset({"否", "停用", "0", "false", "no", "n"})


UNIT_BY_TEXT: Final[Mapping[str, TimeUnit]] = {
    **{name: unit for unit, name in TIME_UNIT_NAMES.items()},
    **{unit.value: unit for unit in TimeUnit},
}


def parse_limit(text: str) -> tuple[Decimal, TimeUnit] | None:
    """ "2 工作日" or "2 working_days" (space optional after the number); None when malformed."""
    match = re.match(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(\S+)\s*$", text)
    if match is None:
        return None
    unit = UNIT_BY_TEXT.get(match.group(2))
    try:
        amount = Decimal(match.group(1))
    except InvalidOperation:
        return None
    if (
        unit is None
        or amount <= 0
        or amount >= Decimal("100000")
        or amount != amount.quantize(Decimal("0.01"))
    ):
        return None
    return amount, unit


def parse_flag(text: str) -> bool | None:
    folded = text.strip().casefold()
    if not folded:
        return True
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    return None


@dataclass
class RuleData:
    order: int
    condition: str
    limit: tuple[Decimal, TimeUnit]
    urgency_limits: dict[Urgency, tuple[Decimal, TimeUnit]]
    closing_criterion: str
    is_active: bool
    position: int


@dataclass
class CategoryData:
    kind: Kind
    major_code: str
    major_name: str
    code: str
    name: str
    department_type: str
    action_tags: list[str]
    is_active: bool
    notes: str
    position: int
    rules: list[RuleData] = field(default_factory=list)


def split_tags(text: str) -> list[str]:
    """ "净 平", "净、平", "clean,smooth" or "净平": one tag per character when no separator is used."""
    parts = [p for p in re.split(r"[\s,，、;；/|]+", text.strip()) if p]
    if len(parts) == 1 and not parts[0].isascii():
        return list(parts[0])
    return parts


def read_categories(
    path: Path, *, department_types: Mapping[str, str], action_tags: Mapping[str, str]
) -> list[CategoryData]:
    """The categories of a city's catalogue CSV, checked.

    department_types maps both codes and names to a code; action_tags maps codes and characters.
    """
    table = read_table(path, CATEGORY_ALIASES)
    if table.is_geojson:
        raise CatalogueImportError([table.problem(None, "", _("小类目录只支持CSV文件"))])
    missing = [name for name in _REQUIRED_CATEGORY_COLUMNS if name not in table.columns]
    if missing:
        raise CatalogueImportError(table.problem(1, m, _("缺少必填列")) for m in missing)
    problems: list[ImportProblem] = []
    categories: dict[tuple[Kind, str], CategoryData] = {}
    for record in table.records:
        checker = _RowChecker(table, record)
        category = _check_category_columns(checker, department_types, action_tags)
        rule = _check_rule_columns(checker)
        if checker.problems or category is None:
            problems.extend(checker.problems)
            continue
        key = (category.kind, category.code)
        known = categories.get(key)
        if known is None:
            categories[key] = known = category
        elif _category_fields(known) != _category_fields(category):
            # Rows of one category repeat its columns; two versions in one file is a mistake.
            problems.append(
                table.problem(
                    record.position,
                    "小类代码",
                    _("同一小类的各行内容不一致（见第%(n)d行）") % {"n": known.position},
                )
            )
            continue
        if rule is not None:
            clash = next((r for r in known.rules if r.order == rule.order), None)
            if clash is not None:
                problems.append(
                    table.problem(
                        record.position,
                        "立案条件序号",
                        _("立案条件序号与第%(n)d行重复") % {"n": clash.position},
                    )
                )
                continue
            known.rules.append(rule)
    if problems:
        raise CatalogueImportError(problems)
    return list(categories.values())


def _category_fields(data: CategoryData) -> tuple[object, ...]:
    return (
        data.major_code,
        data.major_name,
        data.name,
        data.department_type,
        tuple(data.action_tags),
        data.is_active,
        data.notes,
    )


def _check_category_columns(
    checker: _RowChecker, department_types: Mapping[str, str], action_tags: Mapping[str, str]
) -> CategoryData | None:
    values = checker.record.values
    kind = KIND_BY_TEXT.get(values.get("类型", ""))
    if kind is None:
        checker.fail("类型", _("类型应为管理部件或管理事项"))
    major_code = values.get("大类代码", "")
    if not (len(major_code) == 2 and _DIGITS.match(major_code)):
        checker.fail("大类代码", _("大类代码应为2位数字"))
    code = values.get("小类代码", "")
    if not (len(code) == 5 and _DIGITS.match(code)):
        checker.fail("小类代码", _("小类代码应为5位数字"))
    elif code[:2] != major_code:
        checker.fail("小类代码", _("小类代码应以大类代码%(major)s开头") % {"major": major_code})
    name = values.get("小类名称", "")
    if not name:
        checker.fail("小类名称", _("必填字段不能为空"))
    elif len(name) > 60:
        checker.fail("小类名称", _("长度不能超过%(n)d个字符") % {"n": 60})
    if len(values.get("大类名称", "")) > 60:
        checker.fail("大类名称", _("长度不能超过%(n)d个字符") % {"n": 60})
    department = department_types.get(values.get("责任部门类型", ""))
    if department is None:
        checker.fail(
            "责任部门类型",
            _("未知的部门类型“%(value)s”") % {"value": values.get("责任部门类型", "")},
        )
    tags: list[str] = []
    for token in split_tags(values.get("行动标签", "")):
        tag = action_tags.get(token)
        if tag is None:
            checker.fail("行动标签", _("未知的行动标签“%(value)s”") % {"value": token})
        elif tag not in tags:
            tags.append(tag)
    if not tags and not any(p.field == "行动标签" for p in checker.problems):
        checker.fail("行动标签", _("至少需要一个行动标签"))
    active = parse_flag(values.get("启用", ""))
    if active is None:
        checker.fail("启用", _("应为“是”或“否”"))
    if checker.problems or kind is None or department is None or active is None:
        return None
    return CategoryData(
        kind=kind,
        major_code=major_code,
        major_name=values.get("大类名称", ""),
        code=code,
        name=name,
        department_type=department,
        action_tags=tags,
        is_active=active,
        notes=values.get("备注", ""),
        position=checker.record.position,
    )


def _check_rule_columns(checker: _RowChecker) -> RuleData | None:
    values = checker.record.values
    rule_columns = ("立案条件序号", "立案条件", "处置时限", "结案条件", *dict(URGENCY_COLUMNS))
    if not any(values.get(column) for column in rule_columns):
        return None  # a row that only describes the category
    order_text = values.get("立案条件序号", "")
    order = int(order_text) if _DIGITS.match(order_text) and 0 < int(order_text) < 1000 else None
    if order is None:
        checker.fail("立案条件序号", _("立案条件序号应为1到999之间的整数"))
    for column in ("立案条件", "结案条件"):
        if not values.get(column):
            checker.fail(column, _("必填字段不能为空"))
    limit = parse_limit(values.get("处置时限", ""))
    if limit is None:
        checker.fail("处置时限", _("时限应为大于0的数字加单位，如“2 工作日”"))
    urgency_limits: dict[Urgency, tuple[Decimal, TimeUnit]] = {}
    for column, urgency in URGENCY_COLUMNS:
        if not values.get(column):
            continue
        parsed = parse_limit(values[column])
        if parsed is None:
            checker.fail(column, _("时限应为大于0的数字加单位，如“2 工作日”"))
        else:
            urgency_limits[urgency] = parsed
    active = parse_flag(values.get("立案条件启用", ""))
    if active is None:
        checker.fail("立案条件启用", _("应为“是”或“否”"))
    if order is None or limit is None or active is None:
        return None
    return RuleData(
        order=order,
        condition=values.get("立案条件", ""),
        limit=limit,
        urgency_limits=urgency_limits,
        closing_criterion=values.get("结案条件", ""),
        is_active=active,
        position=checker.record.position,
    )
