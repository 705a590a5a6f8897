"""Action plans in and out of Excel, in the two-sheet layout cities already keep them in.

The workbook (.xlsx) is an exchange format, so its sheet names and headers are fixed Chinese keys
whatever the user's language:

* sheet ``计划``: one fact per row, the label in column A and the value in column B.
  Required labels: 标题, 印发机关, 开始日期, 结束日期. Optional: 文号, 进度报送周期 (每周, 每两周,
  每月 or 每季度; blank means 每月), 说明. A row whose label is unknown is ignored.
* sheet ``任务清单``: a header note in row 1, the column headers in row 2 (the importer takes the
  first row within the first ten that holds both 序号 and 任务名称), one task per row below.
  Columns, in any order: 序号*, 类别, 任务名称*, 工作要求, 目标, 目标值, 牵头单位*, 配合单位,
  责任区域, 责任人*, 开始日期, 完成时限* (* required). Exports add 状态, 进度(%), 销号时间 and
  销号人 for reading; the importer ignores those and any other unknown column.

Cell formats:

* 序号: 1, 1.1, 1.1.2. A task's parent is its number without the last part, when that number is a
  row of the sheet; otherwise the task is top-level and the first part of its number is its
  category's number (so 2.3 without a row 2 is the third task of category 2). A number of three or
  more parts must have its parent in the sheet.
* 类别: the category's name, on at least one row of each category (every row of the category may
  repeat it; all must agree).
* 目标值: the comparison, the figure and the unit in one cell: ``≥95%``, ``≤3天``, ``>=1200个``.
* 牵头单位 / 配合单位: a unit's full name or its unique short name; several co-units are separated
  by 、 (or a comma or semicolon).
* 责任区域: an area's name (if unique), its administrative code, or ``名称(代码)``.
* 责任人: a username, a full name (if unique), or ``姓名（用户名）``; the account must be active.
* Dates: Excel dates, or text such as 2026-03-31, 2026/3/31 or 2026年3月31日.
* 节点: milestones separated by ； (or ; or a line break), each ``日期 名称 应达进度%``, e.g.
  ``2026-03-31 完成方案 30%；2026-06-30 完成主体工程 60%``.

Every row is validated before anything is written, with `actions.check_task` for the task rules;
every problem is reported as ``任务清单 第N行：原因`` and the import is refused as a whole. The plan,
its categories and tasks are then created through the actions in one transaction.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException

from finegrid.campaigns import access
from finegrid.campaigns.actions import (
    MilestoneInput,
    add_category,
    add_task,
    check_task,
    create_plan,
)
from finegrid.campaigns.errors import CampaignError, ImportRefused, NotAllowed
from finegrid.campaigns.models import (
    Milestone,
    Plan,
    PlanCategory,
    ReportCycle,
    TargetOperator,
    Task,
    TaskStatus,
)
from finegrid.geo.models import Area
from finegrid.org.models import Unit, User

# The sheet names and headers are keys of the exchange format, not interface text: a workbook
# exported in English must still import, so they are not translated.
PLAN_SHEET: Final = "计划"
TASK_SHEET: Final = "任务清单"

TITLE: Final = "标题"
DOCUMENT_NO: Final = "文号"
ISSUER: Final = "印发机关"
STARTS_ON: Final = "开始日期"
ENDS_ON: Final = "结束日期"
REPORT_CYCLE: Final = "进度报送周期"
DESCRIPTION: Final = "说明"
#: 进度报送周期 as written in the workbook (fixed words, like the headers).
CYCLE_WORDS: Final = {
    ReportCycle.WEEKLY.value: "每周",
    ReportCycle.BIWEEKLY.value: "每两周",
    ReportCycle.MONTHLY.value: "每月",
    ReportCycle.QUARTERLY.value: "每季度",
}
PLAN_LABELS: Final = (TITLE, DOCUMENT_NO, ISSUER, STARTS_ON, ENDS_ON, REPORT_CYCLE, DESCRIPTION)
PLAN_REQUIRED: Final = (TITLE, ISSUER, STARTS_ON, ENDS_ON)

NUMBER: Final = "序号"
CATEGORY: Final = "类别"
TASK_TITLE: Final = "任务名称"
REQUIREMENTS: Final = "工作要求"
TARGET: Final = "目标"
TARGET_VALUE: Final = "目标值"
LEAD_UNIT: Final = "牵头单位"
CO_UNITS: Final = "配合单位"
AREA: Final = "责任区域"
RESPONSIBLE: Final = "责任人"
TASK_STARTS: Final = "开始日期"
DEADLINE: Final = "完成时限"
MILESTONES: Final = "节点"
COLUMNS: Final = (
    NUMBER,
    CATEGORY,
    TASK_TITLE,
    REQUIREMENTS,
    TARGET,
    TARGET_VALUE,
    LEAD_UNIT,
    CO_UNITS,
    AREA,
    RESPONSIBLE,
    TASK_STARTS,
    DEADLINE,
    MILESTONES,
)
REQUIRED_COLUMNS: Final = (NUMBER, TASK_TITLE, LEAD_UNIT, RESPONSIBLE, DEADLINE)
#: Written by the export for reading; the import ignores them.
READING_COLUMNS: Final = ("状态", "进度(%)", "销号时间", "销号人")

HEADER_SEARCH_ROWS: Final = 10
NOTE_ROW: Final = 1
HEADER_ROW: Final = 2

_NUMBER_PATTERN: Final = re.compile(r"^[1-9]\d*(\.[1-9]\d*)*$")
_TARGET_PATTERN: Final = re.compile(r"^(≥|≤|>=|<=|＞＝|＜＝)?\s*([+-]?\d+(?:\.\d+)?)\s*(.*)$")
_OPERATORS: Final = {
    "≥": TargetOperator.AT_LEAST,
    ">=": TargetOperator.AT_LEAST,
    "＞＝": TargetOperator.AT_LEAST,
    "≤": TargetOperator.AT_MOST,
    "<=": TargetOperator.AT_MOST,
    "＜＝": TargetOperator.AT_MOST,
}
_MILESTONE_PATTERN: Final = re.compile(r"^(\S+)\s+(.+?)\s*(\d{1,3})\s*[%％]$")
_LIST_SEPARATORS: Final = re.compile(r"[、,，;；\n]+")
_MILESTONE_SEPARATORS: Final = re.compile(r"[;；\n]+")
_DATE_PATTERN: Final = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_QUALIFIED: Final = re.compile(r"^(.+?)\s*[（(]\s*([^（()）]+?)\s*[)）]$")


# --- reading cells ----------------------------------------------------------------------------


def _text(value: object) -> str:
    """A cell as text: numbers without a trailing .0, dates as 2026-03-31, blanks as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _header(value: object) -> str:
    # Templates often star required columns and officials add spaces; neither changes the key.
    return re.sub(r"\s+", "", _text(value)).lstrip("*＊").rstrip(":：")


def _date(value: object) -> dt.date | None:
    """An Excel date, a date serial in a number cell, or text such as 2026-03-31; None if blank.

    Raises ValueError on anything else.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        serial = from_excel(value)
        if isinstance(serial, dt.datetime):
            return serial.date()
        raise ValueError(value)
    match = _DATE_PATTERN.match(str(value).strip())
    if match is None:
        raise ValueError(value)
    year, month, day = (int(part) for part in match.groups())
    return dt.date(year, month, day)


def _number_key(number: str) -> tuple[int, ...]:
    return tuple(int(part) for part in number.split("."))


def _where(sheet: str, line: int, reason: str) -> str:
    return _("%(sheet)s 第%(line)d行：%(reason)s") % {
        "sheet": sheet,
        "line": line,
        "reason": reason,
    }


class _Problems:
    """What is wrong with a workbook, listed sheet by sheet and row by row whichever check found
    it first (a row's unreadable date and its unknown unit are reported together)."""

    _SHEETS: Final = {"": 0, PLAN_SHEET: 1, TASK_SHEET: 2}

    def __init__(self) -> None:
        self._found: list[tuple[int, int, str]] = []

    def add(self, text: str, *, sheet: str = "") -> None:
        """A problem with the file or a whole sheet, listed before the sheet's rows."""
        self._found.append((self._SHEETS[sheet], 0, text))

    def at(self, sheet: str, line: int, reason: str) -> None:
        self._found.append((self._SHEETS[sheet], line, _where(sheet, line, reason)))

    def __bool__(self) -> bool:
        return bool(self._found)

    def listed(self) -> list[str]:
        return [text for _sheet, _line, text in sorted(self._found, key=lambda f: f[:2])]


# --- the plan sheet ---------------------------------------------------------------------------


@dataclass
class _PlanInput:
    title: str = ""
    document_no: str = ""
    issuer: str = ""
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    report_cycle: str = ReportCycle.MONTHLY
    description: str = ""


def _cycle(value: str) -> str | None:
    if not value:
        return ReportCycle.MONTHLY.value
    if value in ReportCycle.values:
        return value
    return next((cycle for cycle, word in CYCLE_WORDS.items() if word == value), None)


def _read_plan(sheet: Any, problems: _Problems) -> _PlanInput:
    facts: dict[str, tuple[object, int]] = {}
    for line, row in enumerate(sheet.iter_rows(max_col=2, values_only=True), start=1):
        label = _header(row[0] if row else None)
        if label in PLAN_LABELS and label not in facts:
            facts[label] = (row[1] if len(row) > 1 else None, line)
    plan = _PlanInput()
    for label in PLAN_REQUIRED:
        if label not in facts:
            problems.add(
                _("%(sheet)s：缺少“%(label)s”一行（A列写项目名称，B列写内容）")
                % {"sheet": PLAN_SHEET, "label": label},
                sheet=PLAN_SHEET,
            )

    def value(label: str) -> tuple[str, int]:
        raw, line = facts.get(label, (None, 0))
        return _text(raw), line

    def date(label: str) -> dt.date | None:
        raw, line = facts.get(label, (None, 0))
        if label not in facts:
            return None
        try:
            day = _date(raw)
        except ValueError:
            problems.at(
                PLAN_SHEET,
                line,
                _("%(label)s“%(value)s”不是日期，请写作2026-03-31或使用Excel日期")
                % {"label": label, "value": _text(raw)},
            )
            return None
        if day is None:
            problems.at(PLAN_SHEET, line, _("请填写%(label)s") % {"label": label})
        return day

    for label, attribute in ((TITLE, "title"), (ISSUER, "issuer")):
        text, line = value(label)
        if label in facts and not text:
            problems.at(PLAN_SHEET, line, _("请填写%(label)s") % {"label": label})
        setattr(plan, attribute, text)
    plan.document_no = value(DOCUMENT_NO)[0]
    plan.description = value(DESCRIPTION)[0]
    for label, text, limit in (
        (TITLE, plan.title, 200),
        (ISSUER, plan.issuer, 100),
        (DOCUMENT_NO, plan.document_no, 60),
    ):
        if len(text) > limit:
            problems.at(
                PLAN_SHEET,
                value(label)[1],
                _("“%(label)s”超过%(n)d字") % {"label": label, "n": limit},
            )
    plan.starts_on, plan.ends_on = date(STARTS_ON), date(ENDS_ON)
    if plan.starts_on and plan.ends_on and plan.ends_on < plan.starts_on:
        problems.at(PLAN_SHEET, facts[ENDS_ON][1], _("结束日期不能早于开始日期"))
    cycle_text, line = value(REPORT_CYCLE)
    cycle = _cycle(cycle_text)
    if cycle is None:
        problems.at(
            PLAN_SHEET,
            line,
            _("未知的进度报送周期“%(value)s”，应为%(choices)s之一")
            % {"value": cycle_text, "choices": "、".join(CYCLE_WORDS.values())},
        )
    else:
        plan.report_cycle = cycle
    return plan


# --- the task sheet ---------------------------------------------------------------------------


@dataclass
class _TaskRow:
    line: int
    number: str
    category_name: str
    title: str
    description: str
    target_text: str
    target_value_text: str
    lead_unit_name: str
    co_unit_names: list[str]
    area_name: str
    responsible_name: str
    starts_on: dt.date | None = None
    deadline: dt.date | None = None
    target_operator: str = ""
    target_value: Decimal | None = None
    target_unit: str = ""
    milestones: list[MilestoneInput] = field(default_factory=list)
    lead_unit: Unit | None = None
    co_units: list[Unit] = field(default_factory=list)
    area: Area | None = None
    responsible: User | None = None
    parent_number: str = ""
    category_number: int | None = None
    #: Fields whose problem is already reported in the sheet's own words (an unknown unit, an
    #: unreadable date), so check_task's "must have" for the same field is not said twice.
    explained: set[str] = field(default_factory=set)


def _find_header(rows: Sequence[tuple[object, ...]]) -> int | None:
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = {_header(cell) for cell in row}
        if NUMBER in names and TASK_TITLE in names:
            return index
    return None


def _parse_target(text: str) -> tuple[str, Decimal | None, str] | None:
    """``≥95%`` → (">=", 95, "%"); blank → ("", None, ""); None when it cannot be read."""
    if not text:
        return "", None, ""
    match = _TARGET_PATTERN.match(text)
    if match is None:
        return None
    operator, figure, unit = match.groups()
    try:
        value = Decimal(figure)
    except InvalidOperation:
        return None
    return (_OPERATORS[operator].value if operator else ""), value, unit.strip()


def _parse_milestones(text: str) -> tuple[list[MilestoneInput], list[str]]:
    milestones: list[MilestoneInput] = []
    reasons: list[str] = []
    for part in _MILESTONE_SEPARATORS.split(text):
        part = part.strip()
        if not part:
            continue
        match = _MILESTONE_PATTERN.match(part)
        due_on: dt.date | None = None
        if match is not None:
            try:
                due_on = _date(match.group(1))
            except ValueError:
                due_on = None
        if match is None or due_on is None:
            reasons.append(
                _("节点“%(text)s”应写作“2026-03-31 完成方案 30%%”（日期 名称 应达进度%%）")
                % {"text": part}
            )
            continue
        milestones.append(
            MilestoneInput(
                title=match.group(2).strip(), due_on=due_on, progress=int(match.group(3))
            )
        )
    return milestones, reasons


def _read_rows(
    sheet: Any, problems: _Problems
) -> list[_TaskRow] | None:  # None: the sheet cannot be read at all
    raw_rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    header_index = _find_header(raw_rows)
    if header_index is None:
        problems.add(
            _("%(sheet)s：前%(n)d行中找不到表头（须有“%(number)s”和“%(title)s”两列）")
            % {"sheet": TASK_SHEET, "n": HEADER_SEARCH_ROWS, "number": NUMBER, "title": TASK_TITLE},
            sheet=TASK_SHEET,
        )
        return None
    header_line = header_index + 1
    columns: dict[str, int] = {}
    for position, heading in enumerate(raw_rows[header_index]):
        name = _header(heading)
        if name in COLUMNS and name not in columns:
            columns[name] = position
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    for name in missing:
        problems.at(TASK_SHEET, header_line, _("缺少“%(column)s”列") % {"column": name})
    if missing:
        return None

    def cell(row: tuple[object, ...], name: str) -> object:
        position = columns.get(name)
        return row[position] if position is not None and position < len(row) else None

    rows: list[_TaskRow] = []
    for line, row in enumerate(raw_rows[header_index + 1 :], start=header_line + 1):
        if all(_text(value) == "" for value in row):
            continue
        task = _TaskRow(
            line=line,
            number=_text(cell(row, NUMBER)),
            category_name=_text(cell(row, CATEGORY)),
            title=_text(cell(row, TASK_TITLE)),
            description=_text(cell(row, REQUIREMENTS)),
            target_text=_text(cell(row, TARGET)),
            target_value_text=_text(cell(row, TARGET_VALUE)),
            lead_unit_name=_text(cell(row, LEAD_UNIT)),
            co_unit_names=[
                n.strip() for n in _LIST_SEPARATORS.split(_text(cell(row, CO_UNITS))) if n.strip()
            ],
            area_name=_text(cell(row, AREA)),
            responsible_name=_text(cell(row, RESPONSIBLE)),
        )
        rows.append(task)

        def refuse(reason: str, line: int = line) -> None:
            problems.at(TASK_SHEET, line, reason)

        for name, attribute in ((TASK_STARTS, "starts_on"), (DEADLINE, "deadline")):
            raw = cell(row, name)
            try:
                setattr(task, attribute, _date(raw))
            except ValueError:
                task.explained.add(attribute)
                refuse(
                    _("%(column)s“%(value)s”不是日期，请写作2026-03-31或使用Excel日期")
                    % {"column": name, "value": _text(raw)}
                )
        target = _parse_target(task.target_value_text)
        if target is None:
            refuse(
                _("目标值“%(value)s”应写作“≥95%%”或“≤3天”（比较符号、数值、单位）")
                % {"value": task.target_value_text}
            )
        else:
            task.target_operator, task.target_value, task.target_unit = target
            if task.target_value is not None and not task.target_operator:
                task.explained.add("target")
                refuse(_("目标值“%(value)s”须以“≥”或“≤”开头") % {"value": task.target_value_text})
        task.milestones, milestone_problems = _parse_milestones(_text(cell(row, MILESTONES)))
        for reason in milestone_problems:
            refuse(reason)
        for column, text, limit in (
            (NUMBER, task.number, 40),
            (TASK_TITLE, task.title, 300),
            (TARGET, task.target_text, 300),
            (TARGET_VALUE, task.target_unit, 20),
        ):
            if len(text) > limit:
                refuse(_("“%(column)s”超过%(n)d字") % {"column": column, "n": limit})
        for milestone in task.milestones:
            if len(milestone.title) > 200:
                refuse(_("节点名称超过200字"))
    return rows


# --- names to rows ----------------------------------------------------------------------------


class _Directory:
    """Units, people and areas looked up by the names a spreadsheet uses, in a few queries."""

    def __init__(self, rows: Sequence[_TaskRow]) -> None:
        units = list(Unit.objects.all())
        self.units_by_name = {unit.name: unit for unit in units}
        self.units_by_short: dict[str, list[Unit]] = defaultdict(list)
        for unit in units:
            if unit.short_name:
                self.units_by_short[unit.short_name].append(unit)

        names = {row.responsible_name for row in rows if row.responsible_name}
        for name in list(names):
            qualified = _QUALIFIED.match(name)
            if qualified:
                names.update(qualified.groups())
        users = list(
            User.objects.filter(Q(username__in=names) | Q(full_name__in=names)).order_by("pk")
        )
        self.users_by_username = {user.username: user for user in users}
        self.users_by_full_name: dict[str, list[User]] = defaultdict(list)
        for user in users:
            if user.full_name:
                self.users_by_full_name[user.full_name].append(user)

        places = {row.area_name for row in rows if row.area_name}
        for name in list(places):
            qualified = _QUALIFIED.match(name)
            if qualified:
                places.update(qualified.groups())
        areas = list(Area.objects.current().filter(Q(name__in=places) | Q(code__in=places)))
        self.areas_by_code = {area.code: area for area in areas}
        self.areas_by_name: dict[str, list[Area]] = defaultdict(list)
        for area in areas:
            self.areas_by_name[area.name].append(area)

    def unit(self, name: str) -> tuple[Unit | None, str]:
        """The unit and, if none, why (unknown, ambiguous short name, deactivated)."""
        unit = self.units_by_name.get(name)
        if unit is None:
            candidates = self.units_by_short.get(name, [])
            if len(candidates) > 1:
                return None, _("单位简称“%(name)s”对应多个单位（%(units)s），请填写全称") % {
                    "name": name,
                    "units": "、".join(u.name for u in candidates),
                }
            unit = candidates[0] if candidates else None
        if unit is None:
            return None, _("找不到单位“%(name)s”") % {"name": name}
        if not unit.is_active:
            return None, _("单位“%(name)s”已停用") % {"name": unit.name}
        return unit, ""

    def user(self, name: str) -> tuple[User | None, str]:
        qualified = _QUALIFIED.match(name)
        if qualified:
            full_name, username = qualified.groups()
            user = self.users_by_username.get(username)
            if user is None or user.full_name != full_name:
                return None, _("找不到用户“%(name)s”") % {"name": name}
            return user, ""
        user = self.users_by_username.get(name)
        if user is None:
            same = self.users_by_full_name.get(name, [])
            active = [u for u in same if u.is_active]
            if len(active) > 1 or (not active and len(same) > 1):
                return None, _("有多个名为“%(name)s”的用户，请写作“姓名（用户名）”") % {
                    "name": name
                }
            user = (active or same)[0] if (active or same) else None
        if user is None:
            return None, _("找不到责任人“%(name)s”（请填写姓名或用户名）") % {"name": name}
        # An inactive owner is refused by check_task, in its own words.
        return user, ""

    def area(self, name: str) -> tuple[Area | None, str]:
        qualified = _QUALIFIED.match(name)
        if qualified:
            area = self.areas_by_code.get(qualified.group(2))
            if area is not None and area.name == qualified.group(1):
                return area, ""
            return None, _("找不到区域“%(name)s”") % {"name": name}
        area = self.areas_by_code.get(name)
        if area is not None:
            return area, ""
        same = self.areas_by_name.get(name, [])
        if len(same) > 1:
            return None, _("有多个名为“%(name)s”的区域，请填写行政区划代码") % {"name": name}
        if not same:
            return None, _("找不到区域“%(name)s”（请填写名称或行政区划代码）") % {"name": name}
        return same[0], ""


def _resolve(rows: Sequence[_TaskRow], problems: _Problems) -> None:
    directory = _Directory(rows)
    for row in rows:
        if row.lead_unit_name:
            row.lead_unit, reason = directory.unit(row.lead_unit_name)
            if reason:
                row.explained.add("lead_unit")
                problems.at(TASK_SHEET, row.line, _("牵头单位：") + reason)
        for name in row.co_unit_names:
            unit, reason = directory.unit(name)
            if reason:
                problems.at(TASK_SHEET, row.line, _("配合单位：") + reason)
            elif unit is not None:
                row.co_units.append(unit)
        if row.area_name:
            row.area, reason = directory.area(row.area_name)
            if reason:
                problems.at(TASK_SHEET, row.line, reason)
        if row.responsible_name:
            row.responsible, reason = directory.user(row.responsible_name)
            if reason:
                row.explained.add("responsible")
                problems.at(TASK_SHEET, row.line, reason)


def _structure(rows: Sequence[_TaskRow], problems: _Problems) -> dict[int, str]:
    """Check the numbers and work out each row's parent or category; the categories by number."""
    first_line: dict[str, int] = {}
    numbered: list[_TaskRow] = []
    for row in rows:
        if not row.number:
            problems.at(TASK_SHEET, row.line, _("请填写序号"))
        elif not _NUMBER_PATTERN.match(row.number):
            problems.at(
                TASK_SHEET,
                row.line,
                _("序号“%(number)s”应为1、1.1、1.1.2这样以点分隔的正整数") % {"number": row.number},
            )
        elif row.number in first_line:
            problems.at(
                TASK_SHEET,
                row.line,
                _("序号“%(number)s”与第%(line)d行重复")
                % {"number": row.number, "line": first_line[row.number]},
            )
        else:
            first_line[row.number] = row.line
            numbered.append(row)

    categories: dict[int, str] = {}
    named_on: dict[int, int] = {}
    for row in numbered:
        if not row.category_name:
            continue
        number = _number_key(row.number)[0]
        if number not in categories:
            categories[number], named_on[number] = row.category_name, row.line
        elif categories[number] != row.category_name:
            problems.at(
                TASK_SHEET,
                row.line,
                _(
                    "类别“%(name)s”与第%(line)d行的“%(other)s”不一致（序号首段相同的任务属于同一类别）"
                )
                % {
                    "name": row.category_name,
                    "line": named_on[number],
                    "other": categories[number],
                },
            )
    for row in numbered:
        if len(row.category_name) > 100:
            problems.at(TASK_SHEET, row.line, _("类别名称超过100字"))
        parts = row.number.split(".")
        prefix = ".".join(parts[:-1])
        if prefix and prefix in first_line:
            row.parent_number = prefix
        elif len(parts) == 1 or (len(parts) == 2 and int(parts[0]) in categories):
            row.category_number = int(parts[0]) if int(parts[0]) in categories else None
        else:
            reason = _("上级任务序号“%(parent)s”不存在") % {"parent": prefix}
            if len(parts) == 2:
                reason += _("，且未填写类别")
            problems.at(TASK_SHEET, row.line, reason)
    return categories


def _row_order(row: _TaskRow) -> tuple[int, ...]:
    return _number_key(row.number) if _NUMBER_PATTERN.match(row.number) else ()


def _check_tasks(plan: _PlanInput, rows: Sequence[_TaskRow], problems: _Problems) -> None:
    """`check_task` on every row, against a stand-in plan and stand-in parents (nothing saved)."""
    if plan.starts_on is None or plan.ends_on is None:
        return  # the plan's own problems are reported; the task rules need its dates
    stand_in = Plan(title=plan.title, starts_on=plan.starts_on, ends_on=plan.ends_on)
    # check_task's words for a missing value, keyed by the field a sheet problem may explain.
    said_already = {
        "lead_unit": _("任务必须有牵头单位"),
        "responsible": _("任务必须有责任人"),
        "deadline": _("任务必须有完成时限"),
        "target": _("有目标值时须指明“≥”或“≤”"),
    }
    parents: dict[str, Task] = {}
    for row in sorted(rows, key=_row_order):
        parent = parents.get(row.parent_number) if row.parent_number else None
        repeated = {said_already[name] for name in row.explained if name in said_already}
        for reason in check_task(
            plan=stand_in,
            title=row.title,
            lead_unit=row.lead_unit,
            responsible=row.responsible,
            deadline=row.deadline,
            starts_on=row.starts_on,
            parent=parent,
            target_operator=row.target_operator,
            target_value=row.target_value,
            milestones=row.milestones,
        ):
            if reason not in repeated:
                problems.at(TASK_SHEET, row.line, reason)
        if row.number and row.deadline is not None:
            parents[row.number] = Task(
                plan=stand_in, number=row.number, deadline=row.deadline, status=TaskStatus.OPEN
            )


# --- import -----------------------------------------------------------------------------------


def _open(data: bytes, filename: str) -> Any:
    name = filename.lower()
    if name.endswith((".xls", ".et", ".csv")):
        raise ImportRefused(
            [_("“%(name)s”不是.xlsx工作簿，请在Excel或WPS中另存为.xlsx后导入") % {"name": filename}]
        )
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ImportRefused(
            [_("“%(name)s”不是有效的Excel工作簿（.xlsx）") % {"name": filename}]
        ) from None


def import_plan(*, actor: User, data: bytes, filename: str) -> Plan:
    """Create a plan with its categories, tasks, sub-tasks and milestones from a workbook.

    The layout is described in this module's docstring (and in the template's header note).
    Every row is checked first; any problem refuses the whole workbook with `ImportRefused`, each
    problem naming its sheet and row. Then everything is created through the actions in one
    transaction: if an action still refuses, it is rolled back and the row reported.
    """
    if not access.can_manage_plans(actor):
        raise NotAllowed(_("您的岗位不能制定行动计划"))
    workbook = _open(data, filename)
    try:
        problems = _Problems()
        for name in (PLAN_SHEET, TASK_SHEET):
            if name not in workbook.sheetnames:
                problems.add(_("缺少“%(sheet)s”工作表") % {"sheet": name})
        if problems:
            raise ImportRefused(problems.listed())
        plan = _read_plan(workbook[PLAN_SHEET], problems)
        rows = _read_rows(workbook[TASK_SHEET], problems)
    finally:
        workbook.close()
    if rows is None:
        raise ImportRefused(problems.listed())
    if not rows:
        problems.add(_("%(sheet)s：没有任务") % {"sheet": TASK_SHEET}, sheet=TASK_SHEET)
    _resolve(rows, problems)
    categories = _structure(rows, problems)
    _check_tasks(plan, rows, problems)
    if problems:
        raise ImportRefused(problems.listed())
    return _write(actor, plan, categories, rows)


def _write(
    actor: User,
    plan: _PlanInput,
    categories: dict[int, str],
    rows: Sequence[_TaskRow],
) -> Plan:
    assert plan.starts_on is not None
    assert plan.ends_on is not None
    issuer_unit = Unit.objects.filter(name=plan.issuer).first()
    with transaction.atomic():
        try:
            created = create_plan(
                actor=actor,
                title=plan.title,
                issuer=plan.issuer,
                issuer_unit=issuer_unit,
                starts_on=plan.starts_on,
                ends_on=plan.ends_on,
                document_no=plan.document_no,
                report_cycle=plan.report_cycle,
                description=plan.description,
            )
            chapters: dict[int, PlanCategory] = {
                number: add_category(actor=actor, plan=created, name=name, number=number)
                for number, name in sorted(categories.items())
            }
        except CampaignError as exc:
            raise ImportRefused(
                [_("%(sheet)s：%(reason)s") % {"sheet": PLAN_SHEET, "reason": exc.message}]
            ) from exc
        tasks: dict[str, Task] = {}
        # Parents are prefixes of their sub-tasks' numbers, so number order creates them first.
        for row in sorted(rows, key=lambda r: _number_key(r.number)):
            try:
                tasks[row.number] = add_task(
                    actor=actor,
                    plan=created,
                    number=row.number,
                    title=row.title,
                    description=row.description,
                    category=(
                        chapters[row.category_number] if row.category_number is not None else None
                    ),
                    parent=tasks[row.parent_number] if row.parent_number else None,
                    lead_unit=row.lead_unit,
                    co_units=row.co_units,
                    responsible=row.responsible,
                    area=row.area,
                    starts_on=row.starts_on,
                    deadline=row.deadline,
                    target_text=row.target_text,
                    target_operator=row.target_operator,
                    target_value=row.target_value,
                    target_unit=row.target_unit,
                    milestones=row.milestones,
                )
            except CampaignError as exc:
                raise ImportRefused([_where(TASK_SHEET, row.line, exc.message)]) from exc
    return created


# --- export -----------------------------------------------------------------------------------

_THIN: Final = Side(style="thin", color="999999")
_BOX: Final = Border(top=_THIN, bottom=_THIN, left=_THIN, right=_THIN)
_HEADER_FILL: Final = PatternFill("solid", fgColor="DDEBF7")
_READING_FILL: Final = PatternFill("solid", fgColor="EDEDED")
_WIDTHS: Final = {
    NUMBER: 8,
    CATEGORY: 14,
    TASK_TITLE: 30,
    REQUIREMENTS: 36,
    TARGET: 20,
    TARGET_VALUE: 10,
    LEAD_UNIT: 22,
    CO_UNITS: 26,
    AREA: 12,
    RESPONSIBLE: 12,
    TASK_STARTS: 12,
    DEADLINE: 12,
    MILESTONES: 40,
}


def header_note() -> str:
    """The instructions in row 1 of the task sheet: the formats the import reads."""
    return _(
        "填写说明：每行一项任务，带*的列必填。序号写作1.1、1.1.2（请设为文本格式，以免1.10被读成1.1），"
        "去掉最后一段即为上级任务的序号；没有上级行的任务为一级任务，其序号第一段为类别序号，"
        "同一类别至少一行填写类别名称。目标值写作“≥95%”或“≤3天”（比较符号、数值、单位）。"
        "牵头单位、配合单位填写单位全称或简称，多个配合单位用“、”分隔；责任区域填写名称或行政区划代码；"
        "责任人填写姓名或用户名，重名时写作“姓名（用户名）”。日期使用Excel日期或写作2026-03-31。"
        "节点写作“2026-03-31 完成方案 30%；2026-06-30 完成主体工程 60%”，各节点以“；”分隔，"
        "每个节点为“日期 名称 应达进度%”。状态、进度、销号时间、销号人仅供查看，导入时忽略。"
        "有任何一行出错则全部不导入。"
    )


def _plan_sheet(workbook: Workbook, facts: Sequence[tuple[str, object]]) -> None:
    ws = workbook.active
    ws.title = PLAN_SHEET
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 60
    for column, text in enumerate((_("项目"), _("填写内容")), start=1):
        cell = ws.cell(row=1, column=column, value=text)
        cell.font, cell.fill, cell.border = Font(bold=True), _HEADER_FILL, _BOX
    for line, (label, value) in enumerate(facts, start=2):
        key = ws.cell(row=line, column=1, value=f"*{label}" if label in PLAN_REQUIRED else label)
        key.font, key.border = Font(bold=True), _BOX
        cell = ws.cell(row=line, column=2, value=value)
        cell.border = _BOX
        cell.alignment = Alignment(horizontal="left", wrap_text=True)
        if isinstance(value, dt.date):
            cell.number_format = "yyyy-mm-dd"
    note = ws.cell(
        row=len(facts) + 3,
        column=1,
        value=_("进度报送周期可填：每周、每两周、每月、每季度（留空为每月）。"),
    )
    note.font = Font(color="555555")


def _task_sheet(workbook: Workbook, rows: Iterable[Sequence[object]]) -> None:
    ws = workbook.create_sheet(TASK_SHEET)
    headers = [*COLUMNS, *READING_COLUMNS]
    last = get_column_letter(len(headers))
    ws.merge_cells(f"A{NOTE_ROW}:{last}{NOTE_ROW}")
    note = ws.cell(row=NOTE_ROW, column=1, value=header_note())
    note.alignment = Alignment(wrap_text=True, vertical="top")
    note.font = Font(color="555555")
    ws.row_dimensions[NOTE_ROW].height = 78
    for column, name in enumerate(headers, start=1):
        cell = ws.cell(
            row=HEADER_ROW, column=column, value=f"*{name}" if name in REQUIRED_COLUMNS else name
        )
        cell.font = Font(bold=True)
        cell.fill = _READING_FILL if name in READING_COLUMNS else _HEADER_FILL
        cell.border = _BOX
        cell.alignment = Alignment(horizontal="center", vertical="center")
        ws.column_dimensions[get_column_letter(column)].width = _WIDTHS.get(name, 12)
    ws.freeze_panes = f"C{HEADER_ROW + 1}"
    line = HEADER_ROW
    for line, values in enumerate(rows, start=HEADER_ROW + 1):
        for column, value in enumerate(values, start=1):
            cell = ws.cell(row=line, column=column, value=value)
            cell.border = _BOX
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            if isinstance(value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
        ws.cell(row=line, column=1).number_format = "@"  # 1.10 must stay 1.10
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{max(line, HEADER_ROW + 1)}"


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def target_value_text(task: Task) -> str:
    """The 目标值 cell: ``≥95%``, as the import reads it back."""
    if task.target_value is None:
        return ""
    operator = dict(TargetOperator.choices).get(task.target_operator, "")
    return f"{operator}{task.target_value.normalize():f}{task.target_unit}"


def milestones_text(milestones: Iterable[Milestone]) -> str:
    """The 节点 cell: ``2026-03-31 完成方案 30%；…``, as the import reads it back."""
    return "；".join(f"{m.due_on.isoformat()} {m.title} {m.progress}%" for m in milestones)


def _people_labels(users: Iterable[User]) -> dict[int, str]:
    """Each person's name as a cell: the full name, or 姓名（用户名） where the import could not
    tell them apart by the full name alone (a namesake, or someone whose username it is)."""
    people = {user.pk: user for user in users}
    names = {user.full_name for user in people.values() if user.full_name}
    taken = Counter(
        User.objects.filter(full_name__in=names, is_active=True).values_list("full_name", flat=True)
    )
    usernames = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    labels: dict[int, str] = {}
    for pk, user in people.items():
        if not user.full_name or user.full_name == user.username:
            labels[pk] = user.username
        elif taken[user.full_name] > 1 or user.full_name in usernames:
            labels[pk] = f"{user.full_name}（{user.username}）"
        else:
            labels[pk] = user.full_name
    return labels


def _area_labels(areas: Iterable[Area]) -> dict[int, str]:
    places = {area.pk: area for area in areas}
    names = {area.name for area in places.values()}
    taken = Counter(Area.objects.current().filter(name__in=names).values_list("name", flat=True))
    return {pk: area.name if taken[area.name] == 1 else area.code for pk, area in places.items()}


def export_plan(plan: Plan) -> bytes:
    """The plan as the workbook `import_plan` reads, plus status, progress and tick-off columns."""
    tasks = sorted(
        plan.tasks.select_related(
            "category", "lead_unit", "responsible", "area", "ticked_off_by"
        ).prefetch_related("co_units", "milestones"),
        key=lambda t: _number_key(t.number) if _NUMBER_PATTERN.match(t.number) else (0,),
    )
    people = _people_labels(
        [t.responsible for t in tasks] + [t.ticked_off_by for t in tasks if t.ticked_off_by]
    )
    places = _area_labels([t.area for t in tasks if t.area is not None])
    workbook = Workbook()
    _plan_sheet(
        workbook,
        [
            (TITLE, plan.title),
            (DOCUMENT_NO, plan.document_no),
            (ISSUER, plan.issuer),
            (STARTS_ON, plan.starts_on),
            (ENDS_ON, plan.ends_on),
            (REPORT_CYCLE, CYCLE_WORDS[plan.report_cycle]),
            (DESCRIPTION, plan.description),
        ],
    )
    _task_sheet(
        workbook,
        (
            (
                task.number,
                task.category.name if task.category else "",
                task.title,
                task.description,
                task.target_text,
                target_value_text(task),
                task.lead_unit.name,
                "、".join(u.name for u in sorted(task.co_units.all(), key=lambda u: u.name)),
                places[task.area.pk] if task.area is not None else "",
                people[task.responsible.pk],
                task.starts_on,
                task.deadline,
                milestones_text(sorted(task.milestones.all(), key=lambda m: (m.due_on, m.pk))),
                task.get_status_display(),
                task.progress,
                timezone.localtime(task.ticked_off_at).replace(tzinfo=None)
                if task.ticked_off_at
                else None,
                people[task.ticked_off_by.pk] if task.ticked_off_by else None,
            )
            for task in tasks
        ),
    )
    workbook.properties.title = plan.title
    workbook.properties.creator = plan.issuer
    return _save(workbook)


def template_workbook() -> bytes:
    """An empty plan to fill in: the two sheets, their headers and notes, and one example row."""
    workbook = Workbook()
    _plan_sheet(
        workbook,
        [
            (TITLE, _("示例：2026年市容环境综合整治行动计划")),
            (DOCUMENT_NO, _("示例：示城管〔2026〕1号")),
            (ISSUER, _("示例：示范市城市管理局")),
            (STARTS_ON, dt.date(2026, 1, 1)),
            (ENDS_ON, dt.date(2026, 12, 31)),
            (REPORT_CYCLE, CYCLE_WORDS[ReportCycle.MONTHLY.value]),
            (DESCRIPTION, ""),
        ],
    )
    _task_sheet(
        workbook,
        [
            (
                "1.1",
                _("市容环境整治"),
                _("主次干道环境卫生整治"),
                _("主次干道每日清扫保洁，垃圾日产日清"),
                _("道路机械化清扫率"),
                "≥95%",
                _("某区城市管理局"),
                _("某区环境卫生管理所、某街道办事处"),
                "",
                _("张三"),
                dt.date(2026, 1, 1),
                dt.date(2026, 12, 31),
                _("2026-03-31 完成方案 20%；2026-06-30 完成主体工作 60%"),
                "",
                "",
                None,
                None,
            )
        ],
    )
    return _save(workbook)
