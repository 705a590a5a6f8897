"""A city's own catalogue: exported as CSV, edited, imported back; all or nothing."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from finegrid.catalogue.actions import (
    CategoryImportResult,
    ImportResult,
    LoadResult,
    import_categories_csv,
)
from finegrid.catalogue.errors import CatalogueImportError
from finegrid.catalogue.exports import export_categories_csv
from finegrid.catalogue.models import Category, FilingRule, MajorClass
from finegrid.worktime.calendar import TimeUnit

from .test_load_catalogue import snapshot

pytestmark = pytest.mark.django_db


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def exported(catalogue: LoadResult, tmp_path: Path) -> list[dict[str, str]]:
    export_categories_csv(path=tmp_path / "catalogue.csv")
    return read_rows(tmp_path / "catalogue.csv")


def find(rows: list[dict[str, str]], kind: str, code: str, order: str) -> dict[str, str]:
    return next(
        r for r in rows if (r["类型"], r["小类代码"], r["立案条件序号"]) == (kind, code, order)
    )


def test_export_writes_one_row_per_filing_rule(exported: list[dict[str, str]]) -> None:
    assert len(exported) == 758
    assert find(exported, "管理部件", "01001", "1") == {
        "类型": "管理部件",
        "大类代码": "01",
        "大类名称": "市政公用设施",
        "小类代码": "01001",
        "小类名称": "供水井盖",
        "责任部门类型": "water",
        "行动标签": "平",
        "启用": "是",
        "备注": "",
        "立案条件序号": "1",
        "立案条件": "供水井盖丢失，井口敞开，存在安全隐患",
        "处置时限": "4 工作时",
        "A紧急时限": "2 紧急工作时",
        "B重大时限": "",
        "C一般时限": "",
        "结案条件": "已补装供水井盖，井口封闭，与路面衔接平顺",
        "立案条件启用": "是",
    }


def test_reimporting_the_export_changes_nothing(
    exported: list[dict[str, str]], tmp_path: Path
) -> None:
    before = snapshot()

    result = import_categories_csv(path=write_rows(tmp_path / "same.csv", exported))

    assert result == CategoryImportResult(
        categories=ImportResult(created=0, updated=0, unchanged=403),
        filing_rules=ImportResult(created=0, updated=0, unchanged=758),
    )
    assert snapshot() == before


def test_a_city_edits_a_limit_its_urgency_limits_and_tags(
    exported: list[dict[str, str]], tmp_path: Path
) -> None:
    lamp = find(exported, "管理部件", "01037", "2")
    lamp.update({"处置时限": "1 工作日", "A紧急时限": "", "B重大时限": "4 working_hours"})
    row = find(exported, "管理部件", "01037", "1")
    row.update({"处置时限": "1.5工作日"})
    for r in exported:
        if r["小类代码"] == "01037" and r["类型"] == "管理部件":
            r["行动标签"] = "明、优"

    result = import_categories_csv(path=write_rows(tmp_path / "edited.csv", exported))

    assert result == CategoryImportResult(
        categories=ImportResult(created=0, updated=1, unchanged=402),
        filing_rules=ImportResult(created=0, updated=2, unchanged=756),
    )
    rule = FilingRule.objects.get(category__kind="part", category__code="01037", order=2)
    assert rule.limit_for("A") == (Decimal("1"), TimeUnit.WORKING_DAYS)
    assert rule.limit_for("B") == (Decimal("4"), TimeUnit.WORKING_HOURS)
    assert (
        FilingRule.objects.get(category__code="01037", category__kind="part", order=1).default_limit
        == "1.5 工作日"
    )
    lamp_category = Category.objects.get(kind="part", code="01037")
    assert [t.char for t in lamp_category.action_tags.all()] == ["明", "优"]


def test_a_new_category_with_a_new_major_class(catalogue: LoadResult, tmp_path: Path) -> None:
    header = [
        "类型",
        "大类代码",
        "大类名称",
        "小类代码",
        "小类名称",
        "责任部门类型",
        "行动标签",
        "立案条件序号",
        "立案条件",
        "处置时限",
        "A紧急时限",
        "结案条件",
    ]
    rows = [
        [
            "管理事项",
            "21",
            "本市扩展事项",
            "21001",
            "违规燃放烟花爆竹",
            "公安",
            "齐",
            "1",
            "发现违规燃放烟花爆竹",
            "2 工作时",
            "1 紧急工作时",
            "已制止并依法处理",
        ]
    ]
    path = tmp_path / "extension.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])

    result = import_categories_csv(path=path)

    assert result == CategoryImportResult(
        categories=ImportResult(created=1, updated=0, unchanged=0),
        filing_rules=ImportResult(created=1, updated=0, unchanged=0),
    )
    category = Category.objects.get(kind="matter", code="21001")
    assert (category.major.name, category.department_type.code) == (
        "本市扩展事项",
        "public_security",
    )
    assert category.filing_rules.get().limit_for("A") == (Decimal("1"), TimeUnit.URGENT_HOURS)


def test_bad_rows_are_all_reported_and_nothing_changes(
    exported: list[dict[str, str]], tmp_path: Path
) -> None:
    before = snapshot()
    find(exported, "管理部件", "01001", "1").update({"处置时限": "0 工作日"})
    find(exported, "管理部件", "01001", "2").update({"B重大时限": "4 小时"})
    for r in exported:
        if r["小类代码"] == "01002" and r["类型"] == "管理部件":
            r["责任部门类型"] = "plumbing"
            r["行动标签"] = "净X"
    find(exported, "管理事项", "06010", "1").update({"小类代码": "07010"})
    lamp = find(exported, "管理部件", "01037", "1")
    lamp.update({"小类名称": "路灯（改）"})  # differs from the category's other rows
    path = write_rows(tmp_path / "bad.csv", exported)

    with pytest.raises(CatalogueImportError) as caught:
        import_categories_csv(path=path)

    assert [str(p) for p in caught.value.problems] == [
        "bad.csv 第2行 处置时限: 时限应为大于0的数字加单位，如“2 工作日”",
        "bad.csv 第3行 B重大时限: 时限应为大于0的数字加单位，如“2 工作日”",
        "bad.csv 第4行 责任部门类型: 未知的部门类型“plumbing”",
        "bad.csv 第4行 行动标签: 未知的行动标签“X”",
        "bad.csv 第5行 责任部门类型: 未知的部门类型“plumbing”",
        "bad.csv 第5行 行动标签: 未知的行动标签“X”",
        "bad.csv 第74行 小类代码: 同一小类的各行内容不一致（见第73行）",
        "bad.csv 第75行 小类代码: 同一小类的各行内容不一致（见第73行）",
        "bad.csv 第668行 小类代码: 小类代码应以大类代码06开头",
    ]
    assert snapshot() == before


def test_a_missing_required_column_is_refused(catalogue: LoadResult, tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("类型,小类代码,小类名称\n管理部件,01001,供水井盖\n", encoding="utf-8")

    with pytest.raises(CatalogueImportError) as caught:
        import_categories_csv(path=path)

    assert [str(p) for p in caught.value.problems] == [
        "short.csv 第1行 大类代码: 缺少必填列",
        "short.csv 第1行 责任部门类型: 缺少必填列",
        "short.csv 第1行 行动标签: 缺少必填列",
    ]


def test_export_and_import_commands(
    catalogue: LoadResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "catalogue.csv"

    call_command("export_categories", str(path))
    call_command("import_categories", str(path))

    assert capsys.readouterr().out.splitlines() == [
        f"已导出 758 行到 {path}",
        "小类：新增 0 个，更新 0 个，未变 403 个。",
        "立案条件：新增 0 个，更新 0 个，未变 758 个。",
    ]
    assert MajorClass.objects.count() == 15
