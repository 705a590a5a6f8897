"""load_catalogue: the 403 categories of GB/T 47678.5-2026 with rules, limits, tags and departments."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from finegrid.catalogue.actions import CATALOGUE_FIXTURE, LoadResult, load_catalogue
from finegrid.catalogue.errors import CatalogueImportError
from finegrid.catalogue.models import (
    ActionTag,
    Category,
    FilingRule,
    FilingRuleLimit,
    Kind,
    LegacyCategory,
    MajorClass,
    Urgency,
)
from finegrid.org.actions import DEPARTMENT_TYPES_CSV
from finegrid.org.models import DepartmentType
from finegrid.worktime.calendar import TimeUnit

from .conftest import empty_catalogue

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, list[tuple[object, ...]]]:
    """Every catalogue row as plain values, to compare before and after an operation."""
    return {
        "tags": list(ActionTag.objects.values_list("pk", "code", "char", "description", "order")),
        "majors": list(MajorClass.objects.values_list("pk", "kind", "code", "name")),
        "categories": list(
            Category.objects.order_by("pk").values_list(
                "pk", "kind", "major_id", "code", "name", "department_type_id", "is_active", "notes"
            )
        ),
        "category_tags": list(
            Category.action_tags.through.objects.order_by("pk").values_list(
                "category_id", "actiontag_id"
            )
        ),
        "rules": list(
            FilingRule.objects.order_by("pk").values_list(
                "pk",
                "category_id",
                "order",
                "condition",
                "limit_amount",
                "limit_unit",
                "closing_criterion",
                "is_active",
            )
        ),
        "limits": list(
            FilingRuleLimit.objects.order_by("pk").values_list(
                "pk", "rule_id", "urgency", "amount", "unit"
            )
        ),
        "legacy": list(
            LegacyCategory.objects.order_by("pk").values_list(
                "pk", "source", "kind", "legacy_code", "maps_to_id", "match_method"
            )
        ),
    }


def test_after_loading_there_are_153_parts_and_250_matters(catalogue: LoadResult) -> None:
    assert Category.objects.filter(kind=Kind.PART).count() == 153
    assert Category.objects.filter(kind=Kind.MATTER).count() == 250
    assert MajorClass.objects.count() == 15
    assert ActionTag.objects.count() == 7


def test_a_fresh_installation_gets_every_row_of_both_fixtures(db: None) -> None:
    empty_catalogue()

    result = load_catalogue()

    assert dict(result.created) == {
        "ActionTag": 7,
        "MajorClass": 15,
        "Category": 403,
        "FilingRule": 758,
        "FilingRuleLimit": 657,
        "LegacyCategory": 241,
    }


def test_the_seven_action_tags_in_campaign_order(catalogue: LoadResult) -> None:
    assert list(ActionTag.objects.values_list("char", "code")) == [
        ("净", "clean"),
        ("平", "smooth"),
        ("明", "lit"),
        ("绿", "green"),
        ("美", "beautiful"),
        ("齐", "orderly"),
        ("优", "service"),
    ]


def test_every_filing_rule_has_a_positive_limit_in_a_known_unit(catalogue: LoadResult) -> None:
    units = {u.value for u in TimeUnit}
    rules = list(FilingRule.objects.all())
    limits = list(FilingRuleLimit.objects.all())
    assert [r.pk for r in rules if r.limit_amount <= 0 or r.limit_unit not in units] == []
    assert [x.pk for x in limits if x.amount <= 0 or x.unit not in units] == []


def test_every_category_has_a_department_type_a_tag_and_a_filing_rule(
    catalogue: LoadResult,
) -> None:
    categories = Category.objects.prefetch_related("action_tags", "filing_rules")
    assert [c.code for c in categories if c.department_type_id is None] == []
    assert [c.code for c in categories if not c.action_tags.all()] == []
    assert [c.code for c in categories if not c.filing_rules.all()] == []


def test_every_category_is_filed_under_its_own_major_class(catalogue: LoadResult) -> None:
    mismatched = [
        (c.kind, c.code)
        for c in Category.objects.select_related("major")
        if c.major.kind != c.kind or c.major.code != c.code[:2]
    ]
    assert mismatched == []


def test_01001_is_both_a_part_and_a_matter(catalogue: LoadResult) -> None:
    assert sorted(Category.objects.filter(code="01001").values_list("kind", "name")) == [
        ("matter", "供水井盖异常"),
        ("part", "供水井盖"),
    ]


def test_every_department_type_comes_from_orgs_list(catalogue: LoadResult) -> None:
    with DEPARTMENT_TYPES_CSV.open(encoding="utf-8") as handle:
        org_codes = {row["code"] for row in csv.DictReader(handle)}

    used = set(Category.objects.values_list("department_type__code", flat=True))

    assert used <= org_codes
    assert len(used) == 19


def test_missing_department_types_are_loaded_from_org_first(db: None) -> None:
    empty_catalogue()
    # Types no unit uses can go; on a fresh installation there are none yet anyway.
    DepartmentType.objects.filter(units=None).delete()
    fixture = json.loads(CATALOGUE_FIXTURE.read_text(encoding="utf-8"))
    needed = {c["department_type"] for c in fixture["categories"]}
    assert needed - set(DepartmentType.objects.values_list("code", flat=True))

    load_catalogue()

    assert needed <= set(DepartmentType.objects.values_list("code", flat=True))
    assert Category.objects.count() == 403


@pytest.mark.parametrize(
    ("kind", "code", "department"),
    [
        ("part", "01001", "water"),  # 供水井盖
        ("part", "01005", "power"),  # 电力井盖
        ("part", "01011", "gas"),  # 燃气井盖
        ("part", "01037", "urban_management"),  # 路灯
        ("part", "04002", "landscaping"),  # 行道树
        ("part", "03005", "sanitation"),  # 垃圾箱
        ("matter", "06010", "sanitation"),  # 暴露垃圾
        ("matter", "09006", "urban_management"),  # 占道经营
        ("matter", "09009", "traffic_police"),  # 机动车乱停放
        ("matter", "09010", "urban_management"),  # 非机动车乱停放, not caught by 机动车乱停放
        ("matter", "06001", "urban_management"),  # 私搭乱建
        ("matter", "01001", "water"),  # 供水井盖异常 follows its component
    ],
)
def test_department_type_follows_the_name(
    catalogue: LoadResult, kind: str, code: str, department: str
) -> None:
    category = Category.objects.get(kind=kind, code=code)
    assert category.department_type.code == department


@pytest.mark.parametrize(
    ("kind", "code", "order", "amount", "unit"),
    [
        ("part", "01001", 1, "4", "working_hours"),  # 供水井盖丢失
        ("part", "01001", 2, "1", "working_days"),  # 供水井盖破损、松动、移位
        ("part", "01037", 1, "2", "working_days"),  # 路灯不亮
        ("part", "04002", 2, "15", "calendar_days"),  # 行道树修剪
        ("matter", "06010", 1, "2", "working_hours"),  # 暴露垃圾
        ("matter", "06001", 2, "10", "working_days"),  # 已建成的私搭乱建
        ("matter", "06034", 1, "5", "working_days"),  # 废弃车辆
        ("matter", "08016", 2, "10", "working_days"),  # 已建成的无证建设
    ],
)
def test_default_limits(
    catalogue: LoadResult, kind: str, code: str, order: int, amount: str, unit: str
) -> None:
    rule = FilingRule.objects.get(category__kind=kind, category__code=code, order=order)
    assert (rule.limit_amount, rule.limit_unit) == (Decimal(amount), unit)


def test_missing_manhole_cover_rule_and_its_urgency_limits(catalogue: LoadResult) -> None:
    rule = FilingRule.objects.get(category__kind="part", category__code="01001", order=1)
    assert rule.condition == "供水井盖丢失，井口敞开，存在安全隐患"
    assert rule.closing_criterion == "已补装供水井盖，井口封闭，与路面衔接平顺"
    assert rule.limit_for(Urgency.URGENT) == (Decimal("2"), TimeUnit.URGENT_HOURS)
    # No B or C row: both fall back to the default limit.
    assert rule.limit_for(Urgency.MAJOR) == (Decimal("4"), TimeUnit.WORKING_HOURS)
    assert rule.limit_for("C") == (Decimal("4"), TimeUnit.WORKING_HOURS)
    assert rule.limit_for(None) == (Decimal("4"), TimeUnit.WORKING_HOURS)


def test_loading_twice_changes_nothing(catalogue: LoadResult) -> None:
    before = snapshot()

    again = load_catalogue()

    assert again.total == 0
    assert snapshot() == before


def test_reload_keeps_a_citys_edits(catalogue: LoadResult) -> None:
    """Given a city that shortened a limit, renamed a category, dropped a rule and a tag."""
    rule = FilingRule.objects.get(category__kind="part", category__code="01037", order=1)
    rule.limit_amount = Decimal("1")
    rule.limit_unit = TimeUnit.WORKING_DAYS
    rule.save()
    lamp = Category.objects.get(kind="part", code="01037")
    lamp.name = "路灯（含庭院灯）"
    lamp.save()
    lamp.action_tags.clear()
    lamp.action_tags.add(ActionTag.objects.get(code="service"))
    FilingRule.objects.filter(category=lamp, order=3).delete()
    FilingRuleLimit.objects.filter(rule__category=lamp, rule__order=2, urgency="B").delete()
    before = snapshot()

    result = load_catalogue()

    assert result.total == 0
    assert snapshot() == before
    assert rule.limit_for(None) == (Decimal("1"), TimeUnit.WORKING_DAYS)


def test_a_deleted_category_is_created_again_with_its_defaults(catalogue: LoadResult) -> None:
    Category.objects.filter(kind="matter", code="06010").delete()

    result = load_catalogue()

    assert (result.created["Category"], result.created["FilingRule"]) == (1, 1)
    restored = Category.objects.get(kind="matter", code="06010")
    assert [t.char for t in restored.action_tags.all()] == ["净"]
    assert restored.filing_rules.get().limit_for("A") == (Decimal("1"), TimeUnit.URGENT_HOURS)


def test_load_catalogue_command_reports_what_it_created(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    empty_catalogue()

    call_command("load_catalogue")
    first = capsys.readouterr().out
    call_command("load_catalogue")
    second = capsys.readouterr().out

    assert first.splitlines() == [
        "ActionTag: +7",
        "MajorClass: +15",
        "Category: +403",
        "FilingRule: +758",
        "FilingRuleLimit: +657",
        "LegacyCategory: +241",
        "共创建 2081 条数据。",
    ]
    assert second == "目录已完整，未创建新数据。\n"


def test_a_broken_fixture_is_refused_and_nothing_is_loaded(db: None, tmp_path: Path) -> None:
    empty_catalogue()
    fixture = json.loads(CATALOGUE_FIXTURE.read_text(encoding="utf-8"))
    fixture["categories"][0]["department_type"] = "plumbing"
    fixture["categories"][1]["filing_rules"][0]["limit"] = {"amount": "0", "unit": "working_days"}
    fixture["categories"][2]["action_tags"] = ["shiny"]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(fixture, ensure_ascii=False), encoding="utf-8")

    with pytest.raises(CatalogueImportError) as caught:
        load_catalogue(catalogue_path=broken)

    assert [str(p) for p in caught.value.problems] == [
        "broken.json categories[1] part 01001: 未知的部门类型“plumbing”",
        "broken.json categories[2] part 01002: 时限应为大于0的数字加单位，如“2 工作日”",
        "broken.json categories[3] part 01003: 未知的行动标签“shiny”",
    ]
    assert (
        Category.objects.count(),
        ActionTag.objects.count(),
        LegacyCategory.objects.count(),
    ) == (
        0,
        0,
        0,
    )
