"""The catalogue written out as the CSV a city edits and imports back (one row per filing rule)."""

from __future__ import annotations

import csv
from pathlib import Path

from django.db.models import Prefetch

from finegrid.catalogue.importing import CATEGORY_COLUMNS, KIND_NAMES
from finegrid.catalogue.models import Category, FilingRule, Kind, Urgency, limit_text

_URGENCY_COLUMN = {
    Urgency.URGENT.value: "A紧急时限",
    Urgency.MAJOR.value: "B重大时限",
    Urgency.ORDINARY.value: "C一般时限",
}


def _yes_no(flag: bool) -> str:
    return "是" if flag else "否"


def export_categories_csv(*, path: Path) -> int:
    """Write every category and filing rule to `path` (UTF-8 with BOM for Excel); the row count."""
    rules = FilingRule.objects.order_by("order").prefetch_related("limits")
    categories = (
        Category.objects.select_related("major", "department_type")
        .prefetch_related("action_tags", Prefetch("filing_rules", queryset=rules))
        .order_by("code")
    )
    # Parts first, as the standard lists them; then matters.
    ordered = sorted(categories, key=lambda c: (c.kind != Kind.PART, c.code))
    header = [column.name for column in CATEGORY_COLUMNS]
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for category in ordered:
            base = {
                "类型": KIND_NAMES[category.kind],
                "大类代码": category.major.code,
                "大类名称": category.major.name,
                "小类代码": category.code,
                "小类名称": category.name,
                "责任部门类型": category.department_type.code,
                "行动标签": "".join(tag.char for tag in category.action_tags.all()),
                "启用": _yes_no(category.is_active),
                "备注": category.notes,
            }
            category_rules = list(category.filing_rules.all())
            if not category_rules:
                writer.writerow(base)
                count += 1
            for rule in category_rules:
                row = base | {
                    "立案条件序号": str(rule.order),
                    "立案条件": rule.condition,
                    "处置时限": limit_text(rule.limit_amount, rule.limit_unit),
                    "结案条件": rule.closing_criterion,
                    "立案条件启用": _yes_no(rule.is_active),
                }
                for limit in rule.limits.all():
                    row[_URGENCY_COLUMN[limit.urgency]] = limit_text(limit.amount, limit.unit)
                writer.writerow(row)
                count += 1
    return count
