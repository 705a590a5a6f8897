"""Reading Open311 query and form parameters: dates, lists, coordinates and bounded text.

Every problem is an `ApiError` 400 naming the parameter, in the caller's language; nothing here
touches the database.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Final

from django.utils import timezone
from django.utils.translation import gettext as _

from finegrid.api.errors import ApiError

#: The spec's longest span for start_date..end_date, and the default window when none is given.
MAX_SPAN: Final = dt.timedelta(days=90)
#: "…T10:00:00 08:00": a "+" sent unencoded in a query string arrives as a space.
_SPACED_OFFSET: Final = re.compile(r"^(.*T[0-9:.]+) (\d{2}:?\d{2})$")
_YEARS: Final = (1900, 9000)
#: Characters XML 1.0 cannot carry and PostgreSQL text refuses (NUL): never accepted in input.
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def bad(field: str, message: str) -> ApiError:
    return ApiError(400, "invalid", message, field)


def check_printable(values: Mapping[str, list[str]]) -> None:
    """Refuse control characters in any parameter name or value (a NUL breaks PostgreSQL text)."""
    for name, items in values.items():
        if _CONTROL.search(name) or any(_CONTROL.search(item) for item in items):
            raise bad(name[:40], _("参数%(name)s含有不允许的控制字符") % {"name": name[:40]})


def text(params: Mapping[str, str], name: str, *, max_length: int) -> str:
    """A parameter's value, trimmed; 400 when longer than the column that will keep it."""
    value = params.get(name, "").strip()
    if len(value) > max_length:
        raise bad(name, _("%(name)s不能超过%(n)d个字符") % {"name": name, "n": max_length})
    return value


def items(value: str) -> list[str]:
    """A comma-separated list, trimmed, without empty items and repeats, in the order given."""
    seen: list[str] = []
    for item in value.split(","):
        item = item.strip()
        if item and item not in seen:
            seen.append(item)
    return seen


def coordinate(params: Mapping[str, str], name: str) -> float:
    value = params.get(name, "").strip()
    try:
        number = float(value)
    except ValueError:
        raise bad(name, _("%(name)s应为WGS-84坐标（十进制度数）") % {"name": name}) from None
    if not math.isfinite(number):
        raise bad(name, _("%(name)s应为WGS-84坐标（十进制度数）") % {"name": name})
    return number


def moment(name: str, value: str) -> dt.datetime:
    """An ISO 8601 / W3C date or date-time; one without an offset is read in the city's time."""
    value = value.strip()
    spaced = _SPACED_OFFSET.match(value)
    if spaced:
        value = f"{spaced.group(1)}+{spaced.group(2)}"
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise bad(
            name,
            _("%(name)s应为ISO 8601格式的日期或时间，如2026-01-31或2026-01-31T08:00:00+08:00")
            % {"name": name},
        ) from None
    if not _YEARS[0] <= parsed.year <= _YEARS[1]:
        # Year 1 or 9999 cannot be shifted by 90 days or to UTC; no case is that old or new.
        raise bad(name, _("%(name)s超出可查询的日期范围") % {"name": name})
    return timezone.make_aware(parsed) if parsed.tzinfo is None else parsed


def date_range(start: str, end: str, *, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """start_date..end_date: both given, at most 90 days apart; one given, 90 days from it; none,
    the last 90 days."""
    since = moment("start_date", start) if start.strip() else None
    until = moment("end_date", end) if end.strip() else None
    if since is None and until is None:
        return now - MAX_SPAN, now
    if since is None:
        assert until is not None
        return until - MAX_SPAN, until
    if until is None:
        return since, since + MAX_SPAN
    if until < since:
        raise bad("end_date", _("end_date不能早于start_date"))
    if until - since > MAX_SPAN:
        raise bad("end_date", _("start_date和end_date相隔不能超过90天"))
    return since, until
