"""Inspections: the registry of sites, the checklists, rounds of sites drawn at random, and scoring
on site, where every failed item becomes a rectification task (and, for a street problem, a case).

Each action names its actor, checks everything before writing and runs in one transaction, so a
refusal (`finegrid.campaigns.errors`) leaves nothing behind.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import random
import secrets
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from finegrid.campaigns.access import ROUND_ROLES, SCORE_ROLES, has_any
from finegrid.campaigns.actions import add_task, create_plan
from finegrid.campaigns.errors import ImportRefused, InvalidInput, NotAllowed, WrongState
from finegrid.campaigns.models import (
    IndexNode,
    IndexTree,
    InspectionRound,
    InspectionTemplate,
    ItemScore,
    Method,
    NodeLevel,
    Plan,
    PlanKind,
    RoundKind,
    RoundStatus,
    Site,
    SiteType,
    Task,
    TaskKind,
    TemplateItem,
    Visit,
)
from finegrid.campaigns.selectors import default_responsible
from finegrid.cases import errors as case_errors
from finegrid.cases.actions import report_case
from finegrid.cases.models import Case, Source
from finegrid.cases.photos import Photo, check_photo
from finegrid.cases.workflow import REPORT_ROLES
from finegrid.catalogue.models import Category, Kind
from finegrid.geo.crs import CRS, CoordinateError, UnknownCRS, parse_crs, to_wgs84, validate_lonlat
from finegrid.geo.selectors import OutsideCity, ResolvedLocation, locate_point, locate_points
from finegrid.org.models import Unit, User
from finegrid.org.roles import roles_of

#: The checklist the project ships; `load_template(spec=default_template_spec())` loads it.
DEFAULT_TEMPLATE: Final = Path(__file__).resolve().parent / "data" / "field_check_template.json"
#: How long after a round ends its rectification list stays open for late deadlines.
RECTIFICATION_GRACE_DAYS: Final = 90
#: A seed must fit the signed 64-bit column it is kept in.
SEED_LIMIT: Final = 2**63
_CENT: Final = Decimal("0.01")


# --- reading spreadsheets -----------------------------------------------------------------------


@dataclass(frozen=True)
class SheetRow:
    """One data row: its number as the spreadsheet shows it (the header is row 1) and its cells."""

    number: int
    values: dict[str, str]


def _column_key(name: str) -> str:
    # Full-width letters and brackets typed on Chinese keyboards compare equal to their ASCII forms.
    return unicodedata.normalize("NFKC", name).strip().casefold()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def _sheet_cells(data: bytes, filename: str) -> list[tuple[int, list[str]]]:
    suffix = Path(filename).suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
            raise ImportRefused([_("无法读取Excel文件“%(name)s”") % {"name": filename}]) from None
        try:
            sheet = book.worksheets[0]
            return [
                (number, [_cell_text(cell) for cell in cells])
                for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1)
            ]
        finally:
            book.close()
    if suffix == ".csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Spreadsheets saved as CSV on Chinese Windows are GBK; GB 18030 is its superset.
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise ImportRefused(
                    [_("无法识别“%(name)s”的文字编码") % {"name": filename}]
                ) from None
        reader = csv.reader(io.StringIO(text, newline=""))
        rows: list[tuple[int, list[str]]] = []
        try:
            for cells in reader:
                rows.append((reader.line_num, [cell.strip() for cell in cells]))
        except csv.Error as exc:
            raise ImportRefused(
                [_("第%(n)d行：无法解析（%(error)s）") % {"n": reader.line_num, "error": exc}]
            ) from None
        return rows
    raise ImportRefused([_("只支持CSV和XLSX文件，收到“%(name)s”") % {"name": filename}])


def read_sheet(
    *, data: bytes, filename: str, required: Sequence[str], optional: Sequence[str] = ()
) -> list[SheetRow]:
    """The data rows of a CSV file or of an XLSX file's first sheet, keyed by column name.

    Blank rows are skipped and other columns ignored; a missing required column, an unreadable
    file or an empty one is refused with ImportRefused naming it.
    """
    cells = _sheet_cells(data, filename)
    header_at = next((i for i, (_n, row) in enumerate(cells) if any(row)), None)
    if header_at is None:
        raise ImportRefused([_("文件“%(name)s”是空的") % {"name": filename}])
    header_number, header = cells[header_at]
    wanted = {_column_key(name): name for name in (*required, *optional)}
    positions: dict[str, int] = {}
    for position, title in enumerate(header):
        name = wanted.get(_column_key(title))
        if name is not None and name not in positions:
            positions[name] = position
    missing = [name for name in required if name not in positions]
    if missing:
        raise ImportRefused(
            [
                _("第%(n)d行：缺少“%(column)s”列") % {"n": header_number, "column": name}
                for name in missing
            ]
        )
    rows = []
    for number, row in cells[header_at + 1 :]:
        if not any(row):
            continue
        values = {
            name: row[position] if position < len(row) else ""
            for name, position in positions.items()
        }
        rows.append(SheetRow(number=number, values=values))
    return rows


def row_problem(number: int, reason: str) -> str:
    """A problem located the way every import here reports it: "第N行：reason"."""
    return _("第%(n)d行：%(reason)s") % {"n": number, "reason": reason}


# --- small checks -------------------------------------------------------------------------------


def _require_roles(actor: User, roles: frozenset[Any], message: str) -> None:
    if not has_any(actor, roles):
        raise NotAllowed(message)


def _clean_text(value: str, *, limit: int, label: str, required: bool = True) -> str:
    text = value.strip()
    if required and not text:
        raise InvalidInput(_("请填写%(label)s") % {"label": label})
    if len(text) > limit:
        raise InvalidInput(_("%(label)s不能超过%(n)d个字符") % {"label": label, "n": limit})
    return text


def _points_value(value: object) -> Decimal | None:
    """A positive number of points with at most two decimals, or None."""
    try:
        points = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if isinstance(value, bool) or not points.is_finite() or points <= 0:
        return None
    if points != points.quantize(_CENT) or points >= Decimal(10000):
        return None
    return points


def _locate(lon: float, lat: float, crs: CRS) -> tuple[float, float, ResolvedLocation]:
    try:
        validate_lonlat(lon, lat)
        lon, lat = to_wgs84(lon, lat, crs)
        return lon, lat, locate_point(lon=lon, lat=lat)
    except (CoordinateError, OutsideCity) as exc:
        raise InvalidInput(str(exc), field="location") from None


def _item_label(item: TemplateItem) -> str:
    return _("第%(number)d项“%(standard)s”") % {
        "number": item.number,
        "standard": item.standard if len(item.standard) <= 24 else item.standard[:24] + "…",
    }


def _points_text(points: Decimal) -> str:
    return f"{points.normalize():f}"


# --- sites --------------------------------------------------------------------------------------


def register_site(
    *,
    actor: User,
    site_type: SiteType,
    name: str,
    lon: float,
    lat: float,
    responsible_unit: Unit | None = None,
    address: str = "",
    crs: CRS = CRS.WGS84,
) -> Site:
    """Add a site to the registry, located in its grid, street and district.

    Without a responsible unit the grid's responsible unit answers for it (属地兜底).
    """
    _require_roles(actor, ROUND_ROLES, _("只有监督中心和系统管理员可以登记测评点位"))
    name = _clean_text(name, limit=120, label=_("点位名称"))
    address = _clean_text(address, limit=200, label=_("地址"), required=False)
    lon, lat, place = _locate(lon, lat, crs)
    unit = responsible_unit or (place.grid.responsible_unit if place.grid else None)
    if unit is None:
        raise InvalidInput(_("请指定点位的责任单位（该位置的网格没有责任单位）"))
    if not unit.is_active:
        raise InvalidInput(_("责任单位“%(unit)s”已停用") % {"unit": unit.name})
    with transaction.atomic():
        if Site.objects.filter(site_type=site_type, name=name).exists():
            raise InvalidInput(
                _("已有同名的%(type)s点位“%(name)s”") % {"type": site_type.name, "name": name}
            )
        return Site.objects.create(
            site_type=site_type,
            name=name,
            address=address,
            lon=lon,
            lat=lat,
            grid=place.grid,
            street=place.street,
            district=place.district,
            responsible_unit=unit,
        )


SITE_COLUMNS: Final = ("点位类型", "名称", "经度", "纬度")
SITE_OPTIONAL_COLUMNS: Final = ("地址", "责任单位", "坐标系")


@dataclass
class _SiteDraft:
    number: int
    site_type: SiteType | None = None
    name: str = ""
    address: str = ""
    lon: float | None = None
    lat: float | None = None
    unit: Unit | None = None
    unit_given: bool = False


class _UnitFinder:
    """Units by full name, or by a short name only one unit uses."""

    def __init__(self) -> None:
        units = list(Unit.objects.all())
        self.by_name = {u.name: u for u in units}
        short: dict[str, list[Unit]] = defaultdict(list)
        for unit in units:
            if unit.short_name:
                short[unit.short_name].append(unit)
        self.by_short = {name: found[0] for name, found in short.items() if len(found) == 1}

    def find(self, text: str) -> Unit | None:
        return self.by_name.get(text) or self.by_short.get(text)


def _site_type_finder() -> dict[str, SiteType]:
    types = list(SiteType.objects.all())
    return {str(t.tag): t for t in types} | {t.name: t for t in types}


def _draft_site(
    row: SheetRow,
    types: Mapping[str, SiteType],
    units: _UnitFinder,
    problems: list[tuple[int, str]],
) -> _SiteDraft:
    draft = _SiteDraft(number=row.number)
    values = row.values

    def fail(reason: str) -> None:
        problems.append((row.number, reason))

    type_text = values["点位类型"]
    draft.site_type = types.get(type_text)
    if draft.site_type is None:
        fail(
            _("未知的点位类型“%(type)s”") % {"type": type_text} if type_text else _("缺少点位类型")
        )
    draft.name = values["名称"]
    if not draft.name:
        fail(_("缺少点位名称"))
    elif len(draft.name) > 120:
        fail(_("点位名称不能超过120个字符"))
    draft.address = values.get("地址", "")
    if len(draft.address) > 200:
        fail(_("地址不能超过200个字符"))
    try:
        crs = parse_crs(values["坐标系"]) if values.get("坐标系") else CRS.WGS84
    except UnknownCRS as exc:
        fail(str(exc))
        crs = CRS.WGS84
    try:
        lon, lat = float(values["经度"]), float(values["纬度"])
        validate_lonlat(lon, lat)
        draft.lon, draft.lat = to_wgs84(lon, lat, crs)
    except ValueError as exc:  # CoordinateError is a ValueError with a message of its own
        fail(str(exc) if isinstance(exc, CoordinateError) else _("经度和纬度应为数字"))
    unit_text = values.get("责任单位", "")
    if unit_text:
        draft.unit_given = True
        draft.unit = units.find(unit_text)
        if draft.unit is None:
            fail(_("未知的责任单位“%(unit)s”") % {"unit": unit_text})
        elif not draft.unit.is_active:
            fail(_("责任单位“%(unit)s”已停用") % {"unit": unit_text})
    return draft


def import_sites(*, actor: User, data: bytes, filename: str) -> list[Site]:
    """Register every site of a CSV or XLSX file (columns 点位类型, 名称, 经度, 纬度 and optionally
    地址, 责任单位, 坐标系), or none: any bad row refuses the file with every problem listed.

    点位类型 is a tag (1–29) or a name; an empty 责任单位 means the grid's responsible unit.
    """
    _require_roles(actor, ROUND_ROLES, _("只有监督中心和系统管理员可以导入测评点位"))
    rows = read_sheet(
        data=data, filename=filename, required=SITE_COLUMNS, optional=SITE_OPTIONAL_COLUMNS
    )
    if not rows:
        raise ImportRefused([_("文件“%(name)s”没有数据行") % {"name": filename}])
    problems: list[tuple[int, str]] = []
    types, units = _site_type_finder(), _UnitFinder()
    drafts = [_draft_site(row, types, units, problems) for row in rows]
    located = [(d.number, d.lon, d.lat) for d in drafts if d.lon is not None and d.lat is not None]
    places = locate_points(
        lons=[lon for _n, lon, _lat in located], lats=[lat for _n, _lon, lat in located]
    )
    place_of = {number: p for (number, _lon, _lat), p in zip(located, places, strict=True)}
    existing = set(Site.objects.values_list("site_type_id", "name"))
    seen: dict[tuple[int, str], int] = {}
    for draft in drafts:
        place = place_of.get(draft.number)
        if draft.number in place_of and place is None:
            problems.append(
                (
                    draft.number,
                    _("坐标(%(lon).5f, %(lat).5f)不在本市范围内")
                    % {"lon": draft.lon, "lat": draft.lat},
                )
            )
        if place is not None and not draft.unit_given:
            draft.unit = place.grid.responsible_unit if place.grid else None
            if draft.unit is None:
                problems.append((draft.number, _("该位置的网格没有责任单位，请填写")))
        if draft.site_type is None or not draft.name:
            continue
        key = (draft.site_type.pk, draft.name)
        if key in existing:
            problems.append((draft.number, _("点位“%(name)s”已登记") % {"name": draft.name}))
        elif key in seen:
            problems.append(
                (
                    draft.number,
                    _("点位“%(name)s”与第%(n)d行重复") % {"name": draft.name, "n": seen[key]},
                )
            )
        seen.setdefault(key, draft.number)
    if problems:
        raise ImportRefused(
            [row_problem(n, reason) for n, reason in sorted(problems, key=lambda p: p[0])]
        )
    sites = []
    for draft in drafts:
        place = place_of[draft.number]
        assert place is not None
        assert draft.site_type is not None
        assert draft.unit is not None
        assert draft.lon is not None
        assert draft.lat is not None
        sites.append(
            Site(
                site_type=draft.site_type,
                name=draft.name,
                address=draft.address,
                lon=draft.lon,
                lat=draft.lat,
                grid=place.grid,
                street=place.street,
                district=place.district,
                responsible_unit=draft.unit,
            )
        )
    with transaction.atomic():
        return Site.objects.bulk_create(sites)


# --- checklists ---------------------------------------------------------------------------------


def _template_types(template: InspectionTemplate) -> set[int]:
    return set(template.site_types.values_list("pk", flat=True))


def _check_template_editable(template: InspectionTemplate) -> None:
    # Visits already drawn were told which items apply to them; a changed checklist would move
    # the goalposts of rounds under way.
    if InspectionRound.objects.filter(template=template).exists():
        raise WrongState(
            _("检查模板“%(name)s”已用于检查批次，不能再修改") % {"name": template.name}
        )


def _check_item(
    *,
    template_types: set[int],
    standard: str,
    points: object,
    site_types: Sequence[SiteType],
    category: Category | None,
    content: IndexNode | None,
) -> tuple[str, Decimal, list[str]]:
    """The cleaned standard and points, and every problem of one checklist item."""
    problems = []
    standard = standard.strip()
    if not standard:
        problems.append(_("请填写检查标准"))
    value = _points_value(points)
    if value is None:
        problems.append(
            _("分值应为大于0、最多两位小数的数字，实际为“%(points)s”") % {"points": points}
        )
    outside = [t.name for t in site_types if template_types and t.pk not in template_types]
    if outside:
        problems.append(
            _("点位类型不在模板的适用范围内：%(types)s") % {"types": "、".join(outside)}
        )
    if category is not None and not category.is_active:
        problems.append(_("案卷类别“%(name)s”已停用") % {"name": category.name})
    if content is not None and (
        content.level != NodeLevel.CONTENT or content.method != Method.FIELD_CHECK
    ):
        problems.append(
            _("“%(code)s”不是实地考察的测评内容，不能对应检查项目") % {"code": content.code}
        )
    return standard, value or Decimal(0), problems


def create_template(
    *,
    actor: User,
    name: str,
    description: str = "",
    site_types: Sequence[SiteType] = (),
) -> InspectionTemplate:
    """An empty checklist for some kinds of site (none given: every kind)."""
    _require_roles(actor, ROUND_ROLES, _("只有监督中心和系统管理员可以编制检查模板"))
    name = _clean_text(name, limit=100, label=_("模板名称"))
    with transaction.atomic():
        if InspectionTemplate.objects.filter(name=name).exists():
            raise InvalidInput(_("已有名为“%(name)s”的检查模板") % {"name": name})
        template = InspectionTemplate.objects.create(name=name, description=description.strip())
        template.site_types.set(site_types)
    return template


def add_template_item(
    *,
    actor: User,
    template: InspectionTemplate,
    standard: str,
    points: Decimal,
    photo_required: bool = True,
    site_types: Sequence[SiteType] = (),
    category: Category | None = None,
    content: IndexNode | None = None,
    number: int | None = None,
) -> TemplateItem:
    """A scored line of a checklist; `number` None takes the next one.

    Site types narrow the item within the template's; a catalogue category makes a miss a case;
    a field-check content of an index tree makes the item count in that assessment.
    """
    _require_roles(actor, ROUND_ROLES, _("只有监督中心和系统管理员可以编制检查模板"))
    standard, value, problems = _check_item(
        template_types=_template_types(template),
        standard=standard,
        points=points,
        site_types=site_types,
        category=category,
        content=content,
    )
    if number is not None and number < 1:
        problems.append(_("序号应为正整数"))
    if problems:
        raise InvalidInput("；".join(problems))
    with transaction.atomic():
        _check_template_editable(template)
        taken = set(template.items.values_list("number", flat=True))
        if number is None:
            number = max(taken, default=0) + 1
        elif number in taken:
            raise InvalidInput(_("序号%(n)d已被使用") % {"n": number})
        item = TemplateItem.objects.create(
            template=template,
            number=number,
            standard=standard,
            points=value,
            photo_required=photo_required,
            category=category,
            content=content,
        )
        item.site_types.set(site_types)
    return item


def default_template_spec() -> dict[str, Any]:
    """The checklist the project ships (data/field_check_template.json), for `load_template`."""
    spec: dict[str, Any] = json.loads(DEFAULT_TEMPLATE.read_text(encoding="utf-8"))
    return spec


def load_template(
    *, actor: User, spec: Mapping[str, Any], tree: IndexTree | None = None
) -> InspectionTemplate:
    """A checklist from a JSON-able description, whole or not at all.

    ``{"name", "description", "site_types": [tags], "items": [{"standard", "points",
    "photo_required", "site_types": [tags], "category": "06010", "content": "2.1.3"}]}``.
    `category` is the code of a matter (事项): what an inspector finds is a problem, not an asset.
    `content` codes are looked up in `tree`; without a tree they are not linked, so the same
    checklist serves rounds outside any assessment.
    """
    _require_roles(actor, ROUND_ROLES, _("只有监督中心和系统管理员可以编制检查模板"))
    types = {t.tag: t for t in SiteType.objects.all()}
    categories = {c.code: c for c in Category.objects.filter(kind=Kind.MATTER)}
    contents = {n.code: n for n in IndexNode.objects.filter(tree=tree)} if tree is not None else {}
    problems: list[str] = []

    def tags_of(value: object, where: str) -> list[SiteType]:
        if not isinstance(value, list):
            problems.append(_("%(where)s：点位类型应为序号列表") % {"where": where})
            return []
        unknown = [str(tag) for tag in value if not isinstance(tag, int) or tag not in types]
        if unknown:
            problems.append(
                _("%(where)s：未知的点位类型序号%(tags)s")
                % {"where": where, "tags": "、".join(unknown)}
            )
        return [types[tag] for tag in value if isinstance(tag, int) and tag in types]

    name = str(spec.get("name", "")).strip()
    if not name or len(name) > 100:
        problems.append(_("模板名称不能为空，也不能超过100个字符"))
    elif InspectionTemplate.objects.filter(name=name).exists():
        problems.append(_("已有名为“%(name)s”的检查模板") % {"name": name})
    template_types = tags_of(spec.get("site_types", []), _("模板"))
    raw_items = spec.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        problems.append(_("模板至少要有一个检查项目"))
        raw_items = []
    items: list[dict[str, Any]] = []
    for position, raw in enumerate(raw_items, start=1):
        where = _("第%(n)d个检查项目") % {"n": position}
        if not isinstance(raw, dict):
            problems.append(_("%(where)s：格式不正确") % {"where": where})
            continue
        category = None
        if raw.get("category"):
            category = categories.get(str(raw["category"]))
            if category is None:
                problems.append(
                    _("%(where)s：案卷类别代码“%(code)s”不存在")
                    % {"where": where, "code": raw["category"]}
                )
        content = None
        if raw.get("content") and tree is not None:
            content = contents.get(str(raw["content"]))
            if content is None:
                problems.append(
                    _("%(where)s：测评内容“%(code)s”不在“%(tree)s”中")
                    % {"where": where, "code": raw["content"], "tree": tree.name}
                )
        item_types = tags_of(raw.get("site_types", []), where)
        standard, points, item_problems = _check_item(
            template_types={t.pk for t in template_types},
            standard=str(raw.get("standard", "")),
            points=raw.get("points"),
            site_types=item_types,
            category=category,
            content=content,
        )
        photo = raw.get("photo_required", True)
        if not isinstance(photo, bool):
            item_problems.append(_("是否须拍照应为true或false"))
        problems += [
            _("%(where)s：%(problem)s") % {"where": where, "problem": problem}
            for problem in item_problems
        ]
        items.append(
            {
                "number": position,
                "standard": standard,
                "points": points,
                "photo_required": photo is not False,
                "category": category,
                "content": content,
                "site_types": item_types,
            }
        )
    if problems:
        raise ImportRefused(problems)
    with transaction.atomic():
        template = InspectionTemplate.objects.create(
            name=name, description=str(spec.get("description", "")).strip()
        )
        template.site_types.set(template_types)
        for values in items:
            item_types = values.pop("site_types")
            item = TemplateItem.objects.create(template=template, **values)
            item.site_types.set(item_types)
    return template


def applicable_items(*, template: InspectionTemplate, site_type: SiteType) -> list[TemplateItem]:
    """The items of a checklist that apply at a kind of site, by number.

    An item without site types applies wherever its template does; a template without site
    types applies everywhere.
    """
    template_types = _template_types(template)
    if template_types and site_type.pk not in template_types:
        return []
    items = template.items.prefetch_related("site_types").order_by("number")
    return [item for item in items if _item_applies(item, site_type)]


def _item_applies(item: TemplateItem, site_type: SiteType) -> bool:
    own = {t.pk for t in item.site_types.all()}
    return not own or site_type.pk in own


# --- rounds -------------------------------------------------------------------------------------


def draw_round(
    *,
    actor: User,
    name: str,
    kind: RoundKind,
    template: InspectionTemplate,
    starts_on: dt.date,
    ends_on: dt.date,
    sample: Mapping[int, int],
    seed: int | None = None,
    assessment: IndexTree | None = None,
    rectify_days: int = 15,
) -> InspectionRound:
    """A round visiting `sample[tag]` sites of each type, drawn at random from the active ones.

    The seed is kept: the same seed over the same registry draws the same sites, so a draw can be
    shown to be fair afterwards. Without a seed a fresh one is chosen.
    """
    _require_roles(actor, ROUND_ROLES, _("只有监督中心和系统管理员可以组织检查批次"))
    name = _clean_text(name, limit=120, label=_("批次名称"))
    problems = []
    if ends_on < starts_on:
        problems.append(_("结束日期不能早于开始日期"))
    if not 1 <= rectify_days <= 365:
        problems.append(_("整改时限应为1到365天"))
    if seed is not None and not -SEED_LIMIT <= seed < SEED_LIMIT:
        problems.append(_("随机种子超出范围"))
    if not sample:
        problems.append(_("请至少为一种点位类型指定抽取数量"))
    if not template.items.exists():
        problems.append(_("检查模板“%(name)s”还没有检查项目") % {"name": template.name})
    types = {t.tag: t for t in SiteType.objects.all()}
    wanted: list[tuple[SiteType, int]] = []
    for tag, count in sorted(sample.items()):
        site_type = types.get(tag)
        if site_type is None:
            problems.append(_("未知的点位类型序号%(tag)s") % {"tag": tag})
        elif isinstance(count, bool) or not isinstance(count, int) or count < 1:
            problems.append(
                _("%(type)s的抽取数量应为正整数，实际为%(count)s")
                % {"type": site_type.name, "count": count}
            )
        elif not applicable_items(template=template, site_type=site_type):
            problems.append(
                _("检查模板“%(template)s”没有适用于%(type)s的检查项目")
                % {"template": template.name, "type": site_type.name}
            )
        else:
            wanted.append((site_type, count))
    if problems:
        raise InvalidInput("；".join(problems))
    if seed is None:
        seed = secrets.randbelow(SEED_LIMIT)
    rng = random.Random(seed)
    with transaction.atomic():
        drawn: list[Site] = []
        for site_type, count in wanted:
            # Ordered by id so a seed replays the same draw on any database.
            candidates = list(
                Site.objects.filter(site_type=site_type, is_active=True).order_by("pk")
            )
            if count > len(candidates):
                problems.append(
                    _("%(type)s只有%(have)d个启用的点位，不能抽取%(count)d个")
                    % {"type": site_type.name, "have": len(candidates), "count": count}
                )
                continue
            drawn += rng.sample(candidates, count)
        if problems:
            raise InvalidInput("；".join(problems))
        inspection_round = InspectionRound.objects.create(
            name=name,
            kind=kind,
            template=template,
            assessment=assessment,
            starts_on=starts_on,
            ends_on=ends_on,
            sample={str(site_type.tag): count for site_type, count in wanted},
            seed=seed,
            rectify_days=rectify_days,
            created_by=actor,
        )
        Visit.objects.bulk_create(Visit(round=inspection_round, site=site) for site in drawn)
    return inspection_round


def _rectification_plan(*, actor: User, inspection_round: InspectionRound) -> Plan:
    """The round's 整改清单, opened by the scorer of its first failed item."""
    if inspection_round.rectification_plan is not None:
        return inspection_round.rectification_plan
    # Opened by whoever found the first problem, but issued in the name of the unit that
    # organised the round: that is who the responsible units answer to.
    organiser = inspection_round.created_by
    plan = create_plan(
        actor=actor,
        title=_("%(round)s整改清单") % {"round": inspection_round.name},
        issuer=organiser.unit.name if organiser.unit else inspection_round.name,
        issuer_unit=organiser.unit,
        starts_on=inspection_round.starts_on,
        ends_on=inspection_round.ends_on + dt.timedelta(days=RECTIFICATION_GRACE_DAYS),
        kind=PlanKind.RECTIFICATION,
        description=_("%(round)s发现问题的整改清单") % {"round": inspection_round.name},
    )
    inspection_round.rectification_plan = plan
    inspection_round.save(update_fields=["rectification_plan"])
    return plan


def _report_finding(
    *, actor: User, inspection_round: InspectionRound, finding: ItemScore, photo: Photo | None
) -> Case:
    site, item = finding.visit.site, finding.item
    assert item.category is not None
    # The case is reported by the scorer: every scoring role may report (a test pins
    # SCORE_ROLES ⊆ REPORT_ROLES), and a case in another person's name would falsify its audit
    # trail. Staff reports keep the photo's GPS, which is evidence of where it was taken.
    if not roles_of(actor) & REPORT_ROLES:
        raise NotAllowed(_("您的岗位不能上报案卷，无法为未达标项目立案"))
    source = (
        Source.UNDERCOVER if inspection_round.kind == RoundKind.UNDERCOVER else Source.INSPECTOR
    )
    description = _("%(round)s：%(site)s，%(standard)s未达标。%(note)s") % {
        "round": inspection_round.name,
        "site": site.name,
        "standard": item.standard,
        "note": finding.note,
    }
    try:
        # The case is placed at the registered site: it is inside the city and known to the
        # responsible unit, where a phone's fix may drift.
        return report_case(
            actor=actor,
            source=Source(source),
            lon=site.lon,
            lat=site.lat,
            description=description.strip(),
            address=site.address or site.name,
            category=item.category,
            photos=(photo,) if photo is not None else (),
            at=finding.scored_at,
        )
    except case_errors.InvalidInput as exc:
        raise InvalidInput(exc.message, field=exc.field) from None
    except case_errors.WorkflowError as exc:
        raise NotAllowed(case_errors.describe(exc)) from None


def _clamp(day: dt.date, low: dt.date, high: dt.date) -> dt.date:
    return max(low, min(day, high))


def _rectify(
    *, actor: User, inspection_round: InspectionRound, finding: ItemScore, photo: Photo | None
) -> None:
    site, item = finding.visit.site, finding.item
    unit = site.responsible_unit
    responsible = default_responsible(unit)
    if responsible is None:
        raise InvalidInput(
            _("责任单位“%(unit)s”没有可指派的人员，无法生成整改事项") % {"unit": unit.name}
        )
    plan = _rectification_plan(actor=actor, inspection_round=inspection_round)
    case = (
        _report_finding(
            actor=actor, inspection_round=inspection_round, finding=finding, photo=photo
        )
        if item.category is not None
        else None
    )
    scored_on = timezone.localdate(finding.scored_at)
    starts_on = _clamp(scored_on, plan.starts_on, plan.ends_on)
    deadline = _clamp(
        scored_on + dt.timedelta(days=inspection_round.rectify_days), starts_on, plan.ends_on
    )
    add_task(
        actor=actor,
        plan=plan,
        title=(_("%(site)s：%(standard)s") % {"site": site.name, "standard": item.standard})[:300],
        lead_unit=unit,
        responsible=responsible,
        deadline=deadline,
        starts_on=starts_on,
        description=finding.note,
        area=site.street,
        grid=site.grid,
        kind=TaskKind.RECTIFICATION,
        finding=finding,
        case=case,
        at=finding.scored_at,
    )


def _check_score(item: TemplateItem, score: Decimal) -> None:
    if (
        not isinstance(score, Decimal)
        or not score.is_finite()
        or score < 0
        or score > item.points
        or score != score.quantize(_CENT)
    ):
        raise InvalidInput(
            _("%(item)s的得分应在0到%(points)s分之间（最多两位小数），实际为%(score)s")
            % {"item": _item_label(item), "points": _points_text(item.points), "score": score},
            field="score",
        )


def score_item(
    *,
    actor: User,
    visit: Visit,
    item: TemplateItem,
    score: Decimal,
    note: str = "",
    photo: Photo | None = None,
    lon: float | None = None,
    lat: float | None = None,
    at: dt.datetime | None = None,
) -> ItemScore:
    """Score one item at a visited site. Below full points the item failed, and in the same
    transaction it goes on the round's rectification list for the site's responsible unit and,
    where the item names a catalogue category, becomes a case in the normal workflow."""
    _require_roles(actor, SCORE_ROLES, _("只有监督员和督查员可以现场打分"))
    inspection_round = visit.round
    if item.template_id != inspection_round.template_id:
        raise InvalidInput(_("%(item)s不属于本批次的检查模板") % {"item": _item_label(item)})
    template_types = _template_types(inspection_round.template)
    if not _item_applies(item, visit.site.site_type) or (
        template_types and visit.site.site_type_id not in template_types
    ):
        raise InvalidInput(
            _("%(item)s不适用于%(type)s")
            % {"item": _item_label(item), "type": visit.site.site_type.name}
        )
    _check_score(item, score)
    passed = score == item.points
    if photo is None and item.photo_required and not passed:
        raise InvalidInput(
            _("%(item)s未得满分，须拍照留证") % {"item": _item_label(item)}, field="photo"
        )
    extension = ""
    if photo is not None:
        try:
            extension = check_photo(photo)
        except case_errors.InvalidInput as exc:
            raise InvalidInput(exc.message, field="photo") from None
    if (lon is None) != (lat is None):
        raise InvalidInput(_("经度和纬度应同时填写"), field="location")
    if lon is not None and lat is not None:
        try:
            validate_lonlat(lon, lat)
        except CoordinateError as exc:
            raise InvalidInput(str(exc), field="location") from None
    at = at or timezone.now()
    stored: list[str] = []
    try:
        return _save_score(
            actor=actor,
            visit=visit,
            item=item,
            score=score,
            passed=passed,
            note=note,
            photo=photo,
            extension=extension,
            lon=lon,
            lat=lat,
            at=at,
            stored=stored,
        )
    except Exception:
        # The rows are rolled back; the photo file written for them must not linger.
        for name in stored:
            default_storage.delete(name)
        raise


def _save_score(
    *,
    actor: User,
    visit: Visit,
    item: TemplateItem,
    score: Decimal,
    passed: bool,
    note: str,
    photo: Photo | None,
    extension: str,
    lon: float | None,
    lat: float | None,
    at: dt.datetime,
    stored: list[str],
) -> ItemScore:
    inspection_round = visit.round
    with transaction.atomic():
        # One scorer at a time per round: the round's rectification list is created once.
        inspection_round = InspectionRound.objects.select_for_update().get(pk=inspection_round.pk)
        visit = Visit.objects.select_related("site__responsible_unit", "site__site_type").get(
            pk=visit.pk
        )
        visit.round = inspection_round
        if inspection_round.status == RoundStatus.FINISHED:
            raise WrongState(_("检查批次“%(name)s”已结束") % {"name": inspection_round.name})
        if visit.finished:
            raise WrongState(_("点位“%(site)s”的检查已完成") % {"site": visit.site.name})
        if ItemScore.objects.filter(visit=visit, item=item).exists():
            raise WrongState(_("%(item)s已经打过分") % {"item": _item_label(item)})
        finding = ItemScore(
            visit=visit,
            item=item,
            score=score,
            passed=passed,
            note=note.strip(),
            lon=lon,
            lat=lat,
            scored_by=actor,
            scored_at=at,
        )
        if photo is not None:
            digest = hashlib.sha256(photo.content).hexdigest()
            finding.photo.save(
                f"{visit.pk}-{item.pk}-{digest[:12]}.{extension}",
                ContentFile(photo.content),
                save=False,
            )
            stored.append(finding.photo.name or "")
        finding.save()
        if visit.inspector_id is None or visit.visited_at is None:
            visit.inspector = visit.inspector or actor
            visit.visited_at = visit.visited_at or at
            visit.save(update_fields=["inspector", "visited_at"])
        if inspection_round.status == RoundStatus.DRAWN:
            inspection_round.status = RoundStatus.IN_PROGRESS
            inspection_round.save(update_fields=["status"])
        if not passed:
            _rectify(actor=actor, inspection_round=inspection_round, finding=finding, photo=photo)
    return finding


def unscored_items(visit: Visit) -> list[TemplateItem]:
    """The applicable items of a visit that have no score yet, by number."""
    scored = set(visit.scores.values_list("item_id", flat=True))
    items = applicable_items(template=visit.round.template, site_type=visit.site.site_type)
    return [item for item in items if item.pk not in scored]


def finish_visit(*, actor: User, visit: Visit, at: dt.datetime | None = None) -> Visit:
    """Close a visit once every applicable item is scored."""
    _require_roles(actor, SCORE_ROLES, _("只有监督员和督查员可以完成点位检查"))
    with transaction.atomic():
        visit = Visit.objects.select_for_update().select_related("round", "site").get(pk=visit.pk)
        if visit.round.status == RoundStatus.FINISHED:
            raise WrongState(_("检查批次“%(name)s”已结束") % {"name": visit.round.name})
        if visit.finished:
            raise WrongState(_("点位“%(site)s”的检查已完成") % {"site": visit.site.name})
        missing = unscored_items(visit)
        if missing:
            raise WrongState(
                _("点位“%(site)s”还有未打分的项目：%(items)s")
                % {"site": visit.site.name, "items": "、".join(_item_label(i) for i in missing)}
            )
        visit.finished = True
        visit.inspector = visit.inspector or actor
        visit.visited_at = visit.visited_at or at or timezone.now()
        visit.save(update_fields=["finished", "inspector", "visited_at"])
    return visit


def finish_round(
    *, actor: User, inspection_round: InspectionRound, at: dt.datetime | None = None
) -> InspectionRound:
    """Close a round once every visit is finished; its rectification list lives on."""
    _require_roles(actor, ROUND_ROLES, _("只有监督中心和系统管理员可以结束检查批次"))
    with transaction.atomic():
        inspection_round = InspectionRound.objects.select_for_update().get(pk=inspection_round.pk)
        if inspection_round.status == RoundStatus.FINISHED:
            raise WrongState(_("检查批次“%(name)s”已结束") % {"name": inspection_round.name})
        open_sites = list(
            inspection_round.visits.filter(finished=False)
            .order_by("site__name")
            .values_list("site__name", flat=True)
        )
        if open_sites:
            raise WrongState(
                _("还有%(n)d个点位未完成检查：%(sites)s")
                % {"n": len(open_sites), "sites": "、".join(open_sites)}
            )
        inspection_round.status = RoundStatus.FINISHED
        inspection_round.save(update_fields=["status"])
    return inspection_round


# --- reading results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FailedItem:
    number: int
    standard: str
    score: Decimal
    points: Decimal
    task_id: int | None
    case_id: int | None


@dataclass(frozen=True)
class VisitResult:
    """One drawn site on the map: where, what kind, how it scored and what failed."""

    visit_id: int
    site_id: int
    site_name: str
    site_type: str
    lon: float
    lat: float
    district: str
    street: str
    finished: bool
    items: int  # applicable items
    scored: int
    score: Decimal
    max_score: Decimal  # the points of every applicable item
    failed: tuple[FailedItem, ...]

    @property
    def rate(self) -> Decimal | None:
        if not self.max_score:
            return None
        return (self.score / self.max_score).quantize(Decimal("0.0001"))


@dataclass(frozen=True)
class DistrictSummary:
    district_id: int | None
    district: str
    visits: int
    finished: int
    score: Decimal
    max_score: Decimal
    failed: int

    @property
    def rate(self) -> Decimal | None:
        if not self.max_score:
            return None
        return (self.score / self.max_score).quantize(Decimal("0.0001"))


@dataclass(frozen=True)
class RoundResults:
    round_id: int
    visits: tuple[VisitResult, ...]
    districts: tuple[DistrictSummary, ...]


def round_results(inspection_round: InspectionRound) -> RoundResults:
    """Every visit of a round with its score against the points of its applicable items, and the
    same summed per district (sites outside any district last)."""
    template = inspection_round.template
    items = list(template.items.prefetch_related("site_types").order_by("number"))
    template_types = _template_types(template)
    visits = sorted(
        inspection_round.visits.select_related("site__site_type", "site__district", "site__street"),
        # In Python: databases disagree on where a site without a district sorts.
        key=lambda v: (
            v.site.district is None,
            v.site.district.code if v.site.district else "",
            v.site.name,
        ),
    )
    scores: dict[int, list[ItemScore]] = defaultdict(list)
    for row in ItemScore.objects.filter(visit__round=inspection_round).select_related("item"):
        scores[row.visit_id].append(row)
    tasks: dict[int, tuple[int, int | None]] = {
        finding_id: (pk, case_id)
        for finding_id, pk, case_id in Task.objects.filter(
            finding__visit__round=inspection_round
        ).values_list("finding_id", "pk", "case_id")
        if finding_id is not None
    }
    results = []
    for visit in visits:
        site = visit.site
        applicable = (
            [i for i in items if _item_applies(i, site.site_type)]
            if not template_types or site.site_type_id in template_types
            else []
        )
        given = scores.get(visit.pk, [])
        failed = tuple(
            FailedItem(
                number=s.item.number,
                standard=s.item.standard,
                score=s.score,
                points=s.item.points,
                task_id=tasks.get(s.pk, (None, None))[0],
                case_id=tasks.get(s.pk, (None, None))[1],
            )
            for s in sorted(given, key=lambda s: s.item.number)
            if not s.passed
        )
        results.append(
            VisitResult(
                visit_id=visit.pk,
                site_id=site.pk,
                site_name=site.name,
                site_type=site.site_type.name,
                lon=site.lon,
                lat=site.lat,
                district=site.district.name if site.district else "",
                street=site.street.name if site.street else "",
                finished=visit.finished,
                items=len(applicable),
                scored=len(given),
                score=sum((s.score for s in given), Decimal(0)),
                max_score=sum((i.points for i in applicable), Decimal(0)),
                failed=failed,
            )
        )
    return RoundResults(
        round_id=inspection_round.pk,
        visits=tuple(results),
        districts=_district_summaries(visits, results),
    )


def _district_summaries(
    visits: Sequence[Visit], results: Sequence[VisitResult]
) -> tuple[DistrictSummary, ...]:
    groups: dict[int | None, list[VisitResult]] = defaultdict(list)
    names: dict[int | None, str] = {}
    for visit, result in zip(visits, results, strict=True):
        groups[visit.site.district_id].append(result)
        names[visit.site.district_id] = result.district
    ordered = sorted(groups, key=lambda key: (key is None, names[key]))
    return tuple(
        DistrictSummary(
            district_id=key,
            district=names[key],
            visits=len(groups[key]),
            finished=sum(1 for r in groups[key] if r.finished),
            score=sum((r.score for r in groups[key]), Decimal(0)),
            max_score=sum((r.max_score for r in groups[key]), Decimal(0)),
            failed=sum(len(r.failed) for r in groups[key]),
        )
        for key in ordered
    )
