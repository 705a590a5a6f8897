"""The only writers of the catalogue: loading the project's fixtures and importing a city's files.

Each action runs in one transaction and is all-or-nothing: a refused file raises
CatalogueImportError listing every problem, and nothing is written.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

from django.db import models, transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from finegrid.catalogue.errors import CatalogueImportError, ImportProblem
from finegrid.catalogue.importing import CategoryData, RuleData, read_categories, read_components
from finegrid.catalogue.legacy import MatchMethod
from finegrid.catalogue.models import (
    ActionTag,
    Category,
    Component,
    FilingRule,
    FilingRuleLimit,
    LegacyCategory,
    MajorClass,
    Urgency,
)
from finegrid.org.models import DepartmentType
from finegrid.worktime.calendar import TimeUnit

DATA_DIR: Final = Path(__file__).resolve().with_name("data")
CATALOGUE_FIXTURE: Final = DATA_DIR / "gbt47678_5_2026.json"
LEGACY_FIXTURE: Final = DATA_DIR / "gbt30428_2_2013.json"


@dataclass(frozen=True)
class LoadResult:
    """How many rows of each model load_catalogue created (existing rows are never changed)."""

    created: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.created.values())


@dataclass(frozen=True)
class ImportResult:
    """What an import did: rows created, rows changed, rows already as in the file."""

    created: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class CategoryImportResult:
    categories: ImportResult
    filing_rules: ImportResult


def _read_fixture(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CatalogueImportError(
            [ImportProblem(path.name, None, "", _("无法读取文件：%(error)s") % {"error": exc})]
        ) from None
    if not isinstance(document, dict):
        raise CatalogueImportError([ImportProblem(path.name, None, "", _("文件格式不正确"))])
    return document


def _department_types(codes: Iterable[str]) -> dict[str, DepartmentType]:
    """The department types by code, loading org's own list first if any referenced one is absent."""
    wanted = set(codes)
    found = {d.code: d for d in DepartmentType.objects.filter(code__in=wanted)}
    if wanted - set(found):
        # A fresh database: the types are org's data, so let org's action create them.
        from finegrid.org.actions import load_department_types

        load_department_types()
        found = {d.code: d for d in DepartmentType.objects.filter(code__in=wanted)}
    return found


def _limit(value: object) -> tuple[Decimal, TimeUnit] | None:
    if not isinstance(value, dict):
        return None
    try:
        amount = Decimal(str(value.get("amount")))
        unit = TimeUnit(str(value.get("unit")))
    except (InvalidOperation, ValueError):
        return None
    return (amount, unit) if amount > 0 else None


def _check_fixture(
    name: str,
    categories: Sequence[Mapping[str, Any]],
    departments: Mapping[str, Any],
    tag_codes: set[Any],
) -> list[ImportProblem]:
    """The fixture is ours and tested, but a hand-edited copy must fail clearly, not half-load."""
    problems: list[ImportProblem] = []
    for index, item in enumerate(categories, start=1):
        where = f"categories[{index}] {item.get('kind')} {item.get('code')}"
        if item.get("department_type") not in departments:
            problems.append(
                ImportProblem(
                    name,
                    None,
                    where,
                    _("未知的部门类型“%(value)s”") % {"value": item.get("department_type")},
                )
            )
        if not item.get("action_tags"):
            problems.append(ImportProblem(name, None, where, _("至少需要一个行动标签")))
        for tag in item.get("action_tags", []):
            if tag not in tag_codes:
                reason = _("未知的行动标签“%(value)s”") % {"value": tag}
                problems.append(ImportProblem(name, None, where, reason))
        for rule in item.get("filing_rules", []):
            limits = [rule.get("limit"), *dict(rule.get("urgency_limits", {})).values()]
            if any(_limit(limit) is None for limit in limits):
                problems.append(
                    ImportProblem(name, None, where, _("时限应为大于0的数字加单位，如“2 工作日”"))
                )
    return problems


def load_catalogue(
    *, catalogue_path: Path = CATALOGUE_FIXTURE, legacy_path: Path = LEGACY_FIXTURE
) -> LoadResult:
    """Create whatever of the 2026 catalogue and the legacy catalogues is missing; change nothing.

    A category that already exists is left exactly as it is, with its tags, filing rules and
    limits: a city's edits win over the project's defaults, and a rule it deleted stays deleted.
    Retire rows by deactivating them, since a deleted category is created again on the next load.
    """
    catalogue = _read_fixture(catalogue_path)
    legacy = _read_fixture(legacy_path)
    items: list[dict[str, Any]] = list(catalogue.get("categories", []))
    tag_codes = {t.get("code") for t in catalogue.get("action_tags", [])}
    created: Counter[str] = Counter()
    with transaction.atomic():
        departments = _department_types(item.get("department_type", "") for item in items)
        problems = _check_fixture(catalogue_path.name, items, departments, tag_codes)
        if problems:
            raise CatalogueImportError(problems)  # rolls back org's types loaded just above
        tags = _create_action_tags(catalogue.get("action_tags", []), created)
        majors = _create_major_classes(catalogue.get("major_classes", []), created)
        new_items = _create_categories(items, majors, departments, created)
        categories = {(c.kind, c.code): c for c in Category.objects.all()}
        _create_category_children(new_items, categories, tags, created)
        _create_legacy(legacy.get("categories", []), categories, created)
    return LoadResult(created={name: created[name] for name in _LOAD_ORDER})


_LOAD_ORDER: Final = (
    "ActionTag",
    "MajorClass",
    "Category",
    "FilingRule",
    "FilingRuleLimit",
    "LegacyCategory",
)


def _create_action_tags(
    rows: Iterable[Mapping[str, Any]], created: Counter[str]
) -> dict[str, ActionTag]:
    existing = set(ActionTag.objects.values_list("code", flat=True))
    new = [
        ActionTag(code=r["code"], char=r["char"], description=r["description"], order=r["order"])
        for r in rows
        if r["code"] not in existing
    ]
    ActionTag.objects.bulk_create(new)
    created["ActionTag"] += len(new)
    return {t.code: t for t in ActionTag.objects.all()}


def _create_major_classes(
    rows: Iterable[Mapping[str, Any]], created: Counter[str]
) -> dict[tuple[str, str], MajorClass]:
    existing = set(MajorClass.objects.values_list("kind", "code"))
    new = [
        MajorClass(kind=r["kind"], code=r["code"], name=r["name"])
        for r in rows
        if (r["kind"], r["code"]) not in existing
    ]
    MajorClass.objects.bulk_create(new)
    created["MajorClass"] += len(new)
    return {(m.kind, m.code): m for m in MajorClass.objects.all()}


def _create_categories(
    items: Sequence[Mapping[str, Any]],
    majors: Mapping[tuple[str, str], MajorClass],
    departments: Mapping[str, DepartmentType],
    created: Counter[str],
) -> list[Mapping[str, Any]]:
    existing = set(Category.objects.values_list("kind", "code"))
    new_items = [item for item in items if (item["kind"], item["code"]) not in existing]
    Category.objects.bulk_create(
        Category(
            kind=item["kind"],
            major=majors[(item["kind"], item["major_code"])],
            code=item["code"],
            name=item["name"],
            department_type=departments[item["department_type"]],
            is_active=item.get("active", True),
            notes=item.get("notes", ""),
        )
        for item in new_items
    )
    created["Category"] += len(new_items)
    return new_items


def _create_category_children(
    new_items: Sequence[Mapping[str, Any]],
    categories: Mapping[tuple[str, str], Category],
    tags: Mapping[str, ActionTag],
    created: Counter[str],
) -> None:
    """Tags, filing rules and urgency limits of the categories this load created, and only those."""
    through = Category.action_tags.through
    links = [
        through(category_id=categories[(item["kind"], item["code"])].pk, actiontag_id=tags[code].pk)
        for item in new_items
        for code in item["action_tags"]
    ]
    through.objects.bulk_create(links)
    rules: list[FilingRule] = []
    for item in new_items:
        category = categories[(item["kind"], item["code"])]
        for rule in item.get("filing_rules", []):
            amount, unit = _limit(rule["limit"]) or (Decimal(0), TimeUnit.WORKING_DAYS)
            rules.append(
                FilingRule(
                    category=category,
                    order=rule["order"],
                    condition=rule["condition"],
                    limit_amount=amount,
                    limit_unit=unit,
                    closing_criterion=rule["closing_criterion"],
                    is_active=rule.get("active", True),
                )
            )
    FilingRule.objects.bulk_create(rules)
    created["FilingRule"] += len(rules)
    new_ids = [categories[(item["kind"], item["code"])].pk for item in new_items]
    rule_ids = {
        (r.category_id, r.order): r.pk for r in FilingRule.objects.filter(category_id__in=new_ids)
    }
    limits: list[FilingRuleLimit] = []
    for item in new_items:
        category = categories[(item["kind"], item["code"])]
        for rule in item.get("filing_rules", []):
            for urgency, value in rule.get("urgency_limits", {}).items():
                amount, unit = _limit(value) or (Decimal(0), TimeUnit.WORKING_DAYS)
                limits.append(
                    FilingRuleLimit(
                        rule_id=rule_ids[(category.pk, rule["order"])],
                        urgency=Urgency(urgency),
                        amount=amount,
                        unit=unit,
                    )
                )
    FilingRuleLimit.objects.bulk_create(limits)
    created["FilingRuleLimit"] += len(limits)


def _create_legacy(
    rows: Iterable[Mapping[str, Any]],
    categories: Mapping[tuple[str, str], Category],
    created: Counter[str],
) -> None:
    existing = set(LegacyCategory.objects.values_list("source", "legacy_code"))
    new: list[LegacyCategory] = []
    for row in rows:
        if (row["source"], row["legacy_code"]) in existing:
            continue
        target = row.get("maps_to")
        category = categories.get((target["kind"], target["code"])) if target else None
        new.append(
            LegacyCategory(
                source=row["source"],
                kind=row["kind"],
                legacy_code=row["legacy_code"],
                major_name=row["major_name"],
                minor_name=row["minor_name"],
                maps_to=category,
                # A target the city has since removed leaves the row unmapped, honestly marked.
                match_method=row["match"] if category is not None else MatchMethod.NONE,
            )
        )
    LegacyCategory.objects.bulk_create(new)
    created["LegacyCategory"] += len(new)


def import_categories_csv(*, path: Path) -> CategoryImportResult:
    """Create or update categories and filing rules from a city's catalogue CSV (see docs).

    The file is the city's decision, so unlike load_catalogue it overwrites what it names: the
    category's columns, the rules by their order, and each rule's urgency limits exactly as given.
    Categories and rules the file does not name are left alone.
    """
    departments = {d.code: d for d in DepartmentType.objects.all()}
    department_keys = {d.code: d.code for d in departments.values()}
    department_keys |= {d.name: d.code for d in departments.values()}
    tags = {t.code: t for t in ActionTag.objects.all()}
    tag_keys = {t.code: t.code for t in tags.values()} | {t.char: t.code for t in tags.values()}
    data = read_categories(path, department_types=department_keys, action_tags=tag_keys)
    majors = {(m.kind, m.code): m for m in MajorClass.objects.all()}
    missing_major = [
        ImportProblem(
            path.name,
            item.position,
            "大类名称",
            _("新大类%(code)s需要填写大类名称") % {"code": item.major_code},
        )
        for item in data
        if (item.kind, item.major_code) not in majors and not item.major_name
    ]
    if missing_major:
        raise CatalogueImportError(missing_major)
    category_counts: Counter[str] = Counter()
    rule_counts: Counter[str] = Counter()
    with transaction.atomic():
        # Everything compared is read up front, so an unchanged row costs no query.
        rules = FilingRule.objects.prefetch_related("limits")
        existing = {
            (c.kind, c.code): c
            for c in Category.objects.prefetch_related(
                "action_tags", Prefetch("filing_rules", queryset=rules)
            )
        }
        for item in data:
            major = _upsert_major(item, majors)
            known = existing.get((item.kind.value, item.code))
            category, outcome = _upsert_category(
                item, major, departments[item.department_type], tags, known
            )
            category_counts[outcome] += 1
            known_rules = {r.order: r for r in known.filing_rules.all()} if known else {}
            for rule_data in item.rules:
                outcome = _upsert_rule(category, rule_data, known_rules.get(rule_data.order))
                rule_counts[outcome] += 1
    return CategoryImportResult(
        categories=ImportResult(
            category_counts["created"], category_counts["updated"], category_counts["unchanged"]
        ),
        filing_rules=ImportResult(
            rule_counts["created"], rule_counts["updated"], rule_counts["unchanged"]
        ),
    )


def _upsert_major(item: CategoryData, majors: dict[tuple[str, str], MajorClass]) -> MajorClass:
    key = (item.kind.value, item.major_code)
    major = majors.get(key)
    if major is None:
        major = MajorClass.objects.create(
            kind=item.kind, code=item.major_code, name=item.major_name
        )
        majors[key] = major
    elif item.major_name and major.name != item.major_name:
        major.name = item.major_name
        major.save(update_fields=["name"])
    return major


def _assign(instance: models.Model, values: Mapping[str, Any]) -> list[str]:
    """Set the values that differ; the names of the fields changed."""
    changed: list[str] = []
    for attr, value in values.items():
        current = (
            getattr(instance, f"{attr}_id")
            if isinstance(value, models.Model)
            else getattr(instance, attr)
        )
        wanted = value.pk if isinstance(value, models.Model) else value
        if current != wanted:
            setattr(instance, attr, value)
            changed.append(attr)
    return changed


def _upsert_category(
    item: CategoryData,
    major: MajorClass,
    department: DepartmentType,
    tags: Mapping[str, ActionTag],
    category: Category | None,
) -> tuple[Category, str]:
    values = {
        "major": major,
        "name": item.name,
        "department_type": department,
        "is_active": item.is_active,
        "notes": item.notes,
    }
    wanted_tags = {tags[code].pk for code in item.action_tags}
    if category is None:
        category = Category.objects.create(kind=item.kind, code=item.code, **values)
        category.action_tags.set(wanted_tags)
        return category, "created"
    changed = _assign(category, values)
    if changed:
        category.save(update_fields=changed)
    if {tag.pk for tag in category.action_tags.all()} != wanted_tags:
        category.action_tags.set(wanted_tags)
        changed.append("action_tags")
    return category, "updated" if changed else "unchanged"


def _upsert_rule(category: Category, data: RuleData, rule: FilingRule | None) -> str:
    amount, unit = data.limit
    values = {
        "condition": data.condition,
        "limit_amount": amount,
        "limit_unit": unit.value,
        "closing_criterion": data.closing_criterion,
        "is_active": data.is_active,
    }
    outcome = "unchanged"
    if rule is None:
        rule = FilingRule.objects.create(category=category, order=data.order, **values)
        outcome = "created"
    else:
        changed = _assign(rule, values)
        if changed:
            rule.save(update_fields=changed)
            outcome = "updated"
    current = {row.urgency: row for row in rule.limits.all()}
    wanted: dict[str, tuple[Decimal, TimeUnit]] = {
        u.value: v for u, v in data.urgency_limits.items()
    }
    stale = [row.pk for urgency, row in current.items() if urgency not in wanted]
    if stale:
        FilingRuleLimit.objects.filter(pk__in=stale).delete()
    limits_changed = bool(stale)
    for urgency, (limit_amount, limit_unit) in wanted.items():
        row = current.get(urgency)
        if row is None:
            FilingRuleLimit.objects.create(
                rule=rule, urgency=urgency, amount=limit_amount, unit=limit_unit.value
            )
            limits_changed = True
        elif _assign(row, {"amount": limit_amount, "unit": limit_unit.value}):
            row.save(update_fields=["amount", "unit"])
            limits_changed = True
    if limits_changed and outcome == "unchanged":
        outcome = "updated"
    return outcome


# Fields compared and written by import_components, in the order of the standard's table.
_COMPONENT_ATTRS: Final = (
    "category",
    "name",
    "owner_credit_code",
    "owner_name",
    "proprietor_credit_code",
    "proprietor_name",
    "maintainer_credit_code",
    "maintainer_name",
    "grid_code",
    "status",
    "surveyed_on",
    "changed_on",
    "data_source",
    "remarks",
    "street_code",
    "street_name",
    "community_code",
    "community_name",
    "lon",
    "lat",
    "owner",
    "maintainer",
)
_BATCH: Final = 500


def import_components(*, path: Path) -> ImportResult:
    """Create or update the components of a CSV or GeoJSON file, keyed by their 17-digit code."""
    rows = read_components(path)
    created: list[Component] = []
    changed: list[Component] = []
    with transaction.atomic():
        codes = [row.code for row in rows]
        existing: dict[str, Component] = {}
        for start in range(0, len(codes), _BATCH):
            chunk = codes[start : start + _BATCH]
            existing |= {c.code: c for c in Component.objects.filter(code__in=chunk)}
        for row in rows:
            values = {attr: row.values[attr] for attr in _COMPONENT_ATTRS}
            component = existing.get(row.code)
            if component is None:
                created.append(Component(code=row.code, **values))
            elif _assign(component, values):
                changed.append(component)
        Component.objects.bulk_create(created, batch_size=_BATCH)
        Component.objects.bulk_update(changed, fields=list(_COMPONENT_ATTRS), batch_size=_BATCH)
    return ImportResult(
        created=len(created),
        updated=len(changed),
        unchanged=len(rows) - len(created) - len(changed),
    )


__all__ = [
    "CATALOGUE_FIXTURE",
    "LEGACY_FIXTURE",
    "CategoryImportResult",
    "ImportResult",
    "LoadResult",
    "import_categories_csv",
    "import_components",
    "load_catalogue",
]
