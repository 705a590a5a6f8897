"""Request validation errors in the caller's language, naming the field at fault."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

_WHERE = frozenset({"body", "query", "path", "form", "file", "header", "cookie"})


def _field(loc: Sequence[Any]) -> str | None:
    parts = [str(p) for p in loc if str(p) not in _WHERE]
    # ninja names the whole body parameter first ("payload"); the field is what follows it.
    if len(parts) > 1 and parts[0] in {"payload", "data", "filters", "params"}:
        parts = parts[1:]
    return ".".join(parts) or None


def _message(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    if kind == "missing":
        return _("缺少必填项")
    bounds = {
        "greater_than_equal": ("ge", _("应不小于%(bound)s")),
        "greater_than": ("gt", _("应大于%(bound)s")),
        "less_than_equal": ("le", _("应不大于%(bound)s")),
        "less_than": ("lt", _("应小于%(bound)s")),
    }
    if kind in bounds:
        name, text = bounds[kind]
        bound = context.get(name)
        shown = f"{bound:g}" if isinstance(bound, int | float) else str(bound)
        return text % {"bound": shown}
    if kind.startswith(("int", "float", "decimal")):
        return _("应为数字")
    if kind.startswith("bool"):
        return _("应为 true 或 false")
    if kind.startswith("string_too_long"):
        return _("内容过长，最多%(max)s个字符") % {"max": context.get("max_length")}
    if kind.startswith("string_too_short"):
        return _("内容过短，至少%(min)s个字符") % {"min": context.get("min_length")}
    if kind.startswith("string") or kind == "str_type":
        return _("应为文本")
    if kind.startswith(("datetime", "date")):
        return _("日期时间格式不正确，应为 ISO 8601，例如 2026-11-21T09:30:00+08:00")
    if kind in {"enum", "literal_error"}:
        expected = context.get("expected", "")
        return _("取值不在允许范围内：%(expected)s") % {"expected": expected}
    if kind.startswith(("list", "too_long", "too_short")):
        return _("应为列表，且数量在允许范围内")
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return _("应为JSON对象")
    if kind == "json_invalid":
        return _("请求内容不是有效的JSON")
    return _("格式不正确")


def describe_validation(errors: Sequence[dict[str, Any]]) -> tuple[str | None, str]:
    """The first error's field and a message; further errors are summarised by count."""
    if not errors:
        return None, _("请求格式不正确")
    first = dict(errors[0])
    field = _field(first.get("loc", ()))
    message = _message(first)
    if field:
        message = _("%(field)s：%(message)s") % {"field": field, "message": message}
    if len(errors) > 1:
        message += _("（另有%(count)d处错误）") % {"count": len(errors) - 1}
    return field, message
