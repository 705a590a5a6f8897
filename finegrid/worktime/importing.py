"""Reading a year's calendar from a CSV file of `date,kind,name` rows, with every bad row reported."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.utils.translation import gettext

from finegrid.worktime.actions import DayEntry
from finegrid.worktime.models import CalendarDay, DayKind

HEADER = ("date", "kind", "name")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The Chinese words an office writes in a spreadsheet, besides the stored values themselves.
_KIND_WORDS: dict[str, DayKind] = {
    "holiday": DayKind.HOLIDAY,
    "放假": DayKind.HOLIDAY,
    "休": DayKind.HOLIDAY,
    "workday": DayKind.WORKDAY,
    "调休上班": DayKind.WORKDAY,
    "上班": DayKind.WORKDAY,
    "班": DayKind.WORKDAY,
}
_NAME_LENGTH = CalendarDay._meta.get_field("name").max_length or 64


@dataclass(frozen=True, slots=True)
class RowError:
    file: str
    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        return gettext("%(file)s 第 %(row)d 行，字段 %(field)s：%(reason)s") % {
            "file": self.file,
            "row": self.row,
            "field": self.field,
            "reason": self.reason,
        }


class CalendarFileInvalid(ValueError):
    """The file cannot be imported; `errors` says where and why, row by row."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("\n".join(str(error) for error in errors))
        self.errors = errors


def read_calendar_file(path: Path, *, year: int) -> list[DayEntry]:
    """Every row of the file as a DayEntry, or CalendarFileInvalid listing all the bad rows."""
    name = str(path)
    try:
        # utf-8-sig: spreadsheets on Windows save a byte-order mark in front of the header.
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CalendarFileInvalid([RowError(name, 0, "-", gettext("文件不存在"))]) from None
    except UnicodeDecodeError:
        reason = gettext("文件不是 UTF-8 编码，请另存为 UTF-8 格式的 CSV")
        raise CalendarFileInvalid([RowError(name, 0, "-", reason)]) from None
    return parse_calendar_csv(text, year=year, file=name)


def parse_calendar_csv(text: str, *, year: int, file: str) -> list[DayEntry]:
    errors: list[RowError] = []
    entries: list[DayEntry] = []
    first_row_of: dict[date, int] = {}
    reader = csv.reader(io.StringIO(text))
    for row in reader:
        number = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        cells = [cell.strip() for cell in row]
        if number == 1 and tuple(cell.lower() for cell in cells) == HEADER:
            continue
        if len(cells) not in (2, 3):
            reason = gettext("应有 3 列（date,kind,name），实际有 %(count)d 列") % {
                "count": len(cells)
            }
            errors.append(RowError(file, number, "-", reason))
            continue
        raw_date, raw_kind = cells[0], cells[1]
        holiday_name = cells[2] if len(cells) == 3 else ""
        day = _parse_date(raw_date)
        if day is None:
            reason = gettext("“%(value)s” 不是 YYYY-MM-DD 格式的日期") % {"value": raw_date}
            errors.append(RowError(file, number, "date", reason))
        elif day.year != year:
            reason = gettext("%(day)s 不在 %(year)d 年内") % {"day": raw_date, "year": year}
            errors.append(RowError(file, number, "date", reason))
            day = None
        elif day in first_row_of:
            reason = gettext("日期 %(day)s 与第 %(row)d 行重复") % {
                "day": raw_date,
                "row": first_row_of[day],
            }
            errors.append(RowError(file, number, "date", reason))
            day = None
        else:
            first_row_of[day] = number
        kind = _KIND_WORDS.get(raw_kind.lower())
        if kind is None:
            reason = gettext(
                "未知的类型“%(value)s”，应为 holiday（放假）或 workday（调休上班）"
            ) % {"value": raw_kind}
            errors.append(RowError(file, number, "kind", reason))
        if len(holiday_name) > _NAME_LENGTH:
            reason = gettext("名称超过 %(limit)d 个字符") % {"limit": _NAME_LENGTH}
            errors.append(RowError(file, number, "name", reason))
            continue
        if day is not None and kind is not None:
            entries.append(DayEntry(day=day, kind=kind, name=holiday_name))
    if not errors and not entries:
        errors.append(RowError(file, 0, "-", gettext("文件中没有任何日期行")))
    if errors:
        raise CalendarFileInvalid(errors)
    return entries


def _parse_date(text: str) -> date | None:
    if not _ISO_DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
