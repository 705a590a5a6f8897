"""Plans from and to Excel: a good workbook makes the exact plan; any bad row refuses it all,
naming the row; export → import gives the same tasks; the commands and the template."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import CommandError, call_command, load_command_class

from finegrid.campaigns.actions import MilestoneInput, add_task, create_plan
from finegrid.campaigns.errors import ImportRefused, InvalidInput, NotAllowed
from finegrid.campaigns.models import Milestone, Plan, PlanCategory, Task
from finegrid.campaigns.spreadsheets import (
    COLUMNS,
    READING_COLUMNS,
    export_plan,
    import_plan,
    template_workbook,
)
from finegrid.org.models import Unit, User

pytestmark = pytest.mark.django_db

PLAN_FACTS: list[tuple[str, object]] = [
    ("标题", "2026年市容环境整治行动计划"),
    ("文号", "示城管〔2026〕3号"),
    ("印发机关", "示范市城市管理局"),
    ("开始日期", dt.datetime(2026, 1, 1)),  # an Excel date
    ("结束日期", "2026-12-31"),  # a date typed as text
    ("进度报送周期", "每两周"),
]
HEADERS = list(COLUMNS)
MILESTONES = "2026-03-31 完成方案 30%；2026-06-30 完成主体工作 60%"
# 序号, 类别, 任务名称, 工作要求, 目标, 目标值, 牵头单位, 配合单位, 责任区域, 责任人, 开始日期,
# 完成时限, 节点
GOOD_ROWS: list[list[object]] = [
    [
        "1.1", "市容环境整治", "主次干道环境卫生整治", "每日清扫保洁，垃圾日产日清",
        "道路机械化清扫率", "≥95%", "明湖区城市管理局", "明湖区环境卫生管理所、市园林局",
        "明湖区", "陈静", "2026-01-01", dt.datetime(2026, 10, 31), MILESTONES,
    ],
    [
        "1.1.1", "市容环境整治", "湖滨街道环境卫生整治", "", "", "", "明湖区城市管理局", "",
        "990102001", "handler", "2026-02-01", "2026/9/30", "",
    ],
    [
        "1.2", "市容环境整治", "违规户外广告整治", "拆除违规广告牌", "投诉办结时间", "≤3天",
        "示范市城市管理局", "", "", "deptadmin", None, "2026年12月31日", "",
    ],
    [
        2.1, "道路设施提升", "井盖病害治理", "", "", "", "示范市城市管理局", "", "", "杨帆",
        None, "2026-11-30", "",
    ],
]  # fmt: skip


def _workbook(
    rows: Sequence[Sequence[object]],
    *,
    headers: Sequence[str] = HEADERS,
    facts: Sequence[tuple[str, object]] = PLAN_FACTS,
) -> bytes:
    """The layout cities keep: a 计划 sheet of facts, a 任务清单 sheet with a note above the headers."""
    book = openpyxl.Workbook()
    plan = book.active
    plan.title = "计划"
    for label, value in facts:
        plan.append([label, value])
    tasks = book.create_sheet("任务清单")
    tasks.append(["填写说明：每行一项任务。"])
    tasks.append(list(headers))
    for row in rows:
        tasks.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _without(column: str) -> bytes:
    position = HEADERS.index(column)
    return _workbook(
        [row[:position] + row[position + 1 :] for row in GOOD_ROWS],
        headers=HEADERS[:position] + HEADERS[position + 1 :],
    )


def _counts() -> tuple[int, int, int, int]:
    return (
        Plan.objects.count(),
        PlanCategory.objects.count(),
        Task.objects.count(),
        Milestone.objects.count(),
    )


def _refusal(actor: User, data: bytes) -> list[str]:
    before = _counts()
    with pytest.raises(ImportRefused) as refused:
        import_plan(actor=actor, data=data, filename="计划.xlsx")
    assert _counts() == before
    return refused.value.problems


def _task_facts(plan: Plan) -> list[tuple[Any, ...]]:
    return [
        (
            task.number,
            task.category.number if task.category else None,
            task.category.name if task.category else "",
            task.parent.number if task.parent else None,
            task.title,
            task.description,
            task.target_text,
            task.target_operator,
            task.target_value,
            task.target_unit,
            task.lead_unit.name,
            sorted(unit.name for unit in task.co_units.all()),
            task.area.code if task.area else None,
            task.responsible.username,
            task.starts_on,
            task.deadline,
            [(m.title, m.due_on, m.progress) for m in task.milestones.order_by("due_on")],
        )
        for task in plan.tasks.order_by("number")
    ]


# --- import -------------------------------------------------------------------------------------


def test_a_good_workbook_creates_the_plan_its_categories_tasks_subtasks_and_milestones(
    cast: dict[str, User],
) -> None:
    # Given a workbook of two categories, three tasks and a sub-task
    data = _workbook(GOOD_ROWS)

    # When the supervision centre imports it
    plan = import_plan(actor=cast["supervisor"], data=data, filename="行动计划.xlsx")

    # Then the plan, its categories and every task are exactly as written
    assert (
        plan.title,
        plan.document_no,
        plan.issuer,
        plan.issuer_unit,
        plan.starts_on,
        plan.ends_on,
        plan.report_cycle,
        plan.created_by,
    ) == (
        "2026年市容环境整治行动计划",
        "示城管〔2026〕3号",
        "示范市城市管理局",
        Unit.objects.get(name="示范市城市管理局"),
        dt.date(2026, 1, 1),
        dt.date(2026, 12, 31),
        "biweekly",
        cast["supervisor"],
    )
    assert list(plan.categories.values_list("number", "name")) == [
        (1, "市容环境整治"),
        (2, "道路设施提升"),
    ]
    assert _task_facts(plan) == [
        (
            "1.1", 1, "市容环境整治", None, "主次干道环境卫生整治", "每日清扫保洁，垃圾日产日清",
            "道路机械化清扫率", ">=", Decimal("95"), "%", "明湖区城市管理局",
            ["明湖区环境卫生管理所", "示范市园林绿化局"], "990102", "handler",
            dt.date(2026, 1, 1), dt.date(2026, 10, 31),
            [
                ("完成方案", dt.date(2026, 3, 31), 30),
                ("完成主体工作", dt.date(2026, 6, 30), 60),
            ],
        ),
        (
            "1.1.1", 1, "市容环境整治", "1.1", "湖滨街道环境卫生整治", "", "", "", None, "",
            "明湖区城市管理局", [], "990102001", "handler", dt.date(2026, 2, 1),
            dt.date(2026, 9, 30), [],
        ),
        (
            "1.2", 1, "市容环境整治", None, "违规户外广告整治", "拆除违规广告牌", "投诉办结时间",
            "<=", Decimal("3"), "天", "示范市城市管理局", [], None, "deptadmin",
            dt.date(2026, 1, 1), dt.date(2026, 12, 31), [],
        ),
        (
            "2.1", 2, "道路设施提升", None, "井盖病害治理", "", "", "", None, "",
            "示范市城市管理局", [], None, "deptadmin", dt.date(2026, 1, 1),
            dt.date(2026, 11, 30), [],
        ),
    ]  # fmt: skip
    # And each task's creation is on its event chain, by the importer
    assert (
        list(plan.tasks.order_by("number").values_list("events__action", "events__actor__username"))
        == [("create", "supervisor")] * 4
    )


def test_a_missing_column_refuses_the_workbook_naming_the_column_and_writes_nothing(
    cast: dict[str, User],
) -> None:
    # Given a workbook whose task sheet has no 责任人 column
    data = _without("责任人")

    # When it is imported, then it is refused at the header row and nothing is written
    assert _refusal(cast["supervisor"], data) == ["任务清单 第2行：缺少“责任人”列"]


def test_a_missing_plan_fact_and_a_missing_sheet_are_named(cast: dict[str, User]) -> None:
    facts = [fact for fact in PLAN_FACTS if fact[0] != "结束日期"]
    assert _refusal(cast["supervisor"], _workbook(GOOD_ROWS, facts=facts)) == [
        "计划：缺少“结束日期”一行（A列写项目名称，B列写内容）"
    ]

    book = openpyxl.Workbook()
    book.active.title = "计划"
    buffer = io.BytesIO()
    book.save(buffer)
    assert _refusal(cast["supervisor"], buffer.getvalue()) == ["缺少“任务清单”工作表"]


def test_a_task_without_owner_and_one_due_after_the_plan_ends_are_refused_with_their_rows(
    cast: dict[str, User],
) -> None:
    # Given a workbook whose row 4 names no owner and whose row 6 is due after the plan's end
    rows = [list(row) for row in GOOD_ROWS]
    rows[1][9] = ""  # 1.1.1, sheet row 4
    rows[3][11] = "2027-01-31"  # 2.1, sheet row 6

    # When it is imported, then both rows are named with their reasons and nothing is written
    assert _refusal(cast["supervisor"], _workbook(rows)) == [
        "任务清单 第4行：任务必须有责任人",
        "任务清单 第6行：完成时限2027-01-31晚于计划结束日期2026-12-31",
    ]


def test_every_bad_row_is_reported_at_once(cast: dict[str, User]) -> None:
    # Given rows with an unknown unit, an unknown person, a duplicate number, a missing parent,
    # an unreadable target, a bad milestone and a sub-task due after its parent
    rows = [list(row) for row in GOOD_ROWS]
    rows[0][6] = "明湖区不存在局"  # row 3
    rows[1][11] = "2026-11-15"  # row 4: 1.1.1 due after 1.1 (2026-10-31)
    rows[2][9] = "查无此人"  # row 5
    rows[3][5] = "95%"  # row 6: no comparison
    rows.append(["1.2", "", "重复的序号", "", "", "", "示范市城市管理局", "", "", "杨帆",
                 None, "2026-05-31", ""])  # fmt: skip
    rows.append(["3.4.1", "", "无上级任务", "", "", "", "示范市城市管理局", "", "", "杨帆",
                 None, "2026-05-31", "3月底 完成"])  # fmt: skip

    # When it is imported, then every problem is listed with its row, and nothing is written
    assert _refusal(cast["supervisor"], _workbook(rows)) == [
        "任务清单 第3行：牵头单位：找不到单位“明湖区不存在局”",
        "任务清单 第4行：子任务的完成时限2026-11-15晚于上级任务的2026-10-31",
        "任务清单 第5行：找不到责任人“查无此人”（请填写姓名或用户名）",
        "任务清单 第6行：目标值“95%”须以“≥”或“≤”开头",
        "任务清单 第7行：序号“1.2”与第5行重复",
        "任务清单 第8行：节点“3月底 完成”应写作“2026-03-31 完成方案 30%”（日期 名称 应达进度%）",
        "任务清单 第8行：上级任务序号“3.4”不存在",
    ]


def test_an_action_refusing_while_writing_rolls_everything_back_and_names_the_row(
    cast: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a workbook that passes every check, but an action that refuses its third task
    def refusing(**kwargs: Any) -> Task:
        if kwargs["number"] == "1.2":
            raise InvalidInput("计划中已有编号为1.2的任务")
        return add_task(**kwargs)

    monkeypatch.setattr("finegrid.campaigns.spreadsheets.add_task", refusing)

    # When it is imported, then the row is named and the plan and the tasks before it are gone
    assert _refusal(cast["supervisor"], _workbook(GOOD_ROWS)) == [
        "任务清单 第5行：计划中已有编号为1.2的任务"
    ]


def test_only_plan_makers_may_import(cast: dict[str, User]) -> None:
    before = _counts()
    with pytest.raises(NotAllowed):
        import_plan(actor=cast["handler"], data=_workbook(GOOD_ROWS), filename="计划.xlsx")
    assert _counts() == before


def test_a_file_that_is_not_a_workbook_is_refused(cast: dict[str, User]) -> None:
    assert _refusal(cast["supervisor"], b"not a zip") == [
        "“计划.xlsx”不是有效的Excel工作簿（.xlsx）"
    ]


# --- export and round trip ------------------------------------------------------------------------


def test_export_then_import_gives_the_same_tasks(cast: dict[str, User]) -> None:
    # Given an imported plan
    original = import_plan(actor=cast["supervisor"], data=_workbook(GOOD_ROWS), filename="a.xlsx")

    # When it is exported and the export imported again
    again = import_plan(actor=cast["supervisor"], data=export_plan(original), filename="b.xlsx")

    # Then the new plan has the same facts, categories and tasks
    fields = ("title", "document_no", "issuer", "starts_on", "ends_on", "report_cycle")
    assert [getattr(again, f) for f in fields] == [getattr(original, f) for f in fields]
    assert list(again.categories.values_list("number", "name")) == list(
        original.categories.values_list("number", "name")
    )
    assert _task_facts(again) == _task_facts(original)
    assert len(_task_facts(again)) == 4


def test_a_namesake_is_exported_with_the_username_and_still_round_trips(
    cast: dict[str, User],
) -> None:
    # Given a second active 陈静 and a plan with a task for each
    namesake = User.objects.create(username="chenjing2", full_name="陈静")
    unit = Unit.objects.get(name="明湖区城市管理局")
    plan = create_plan(
        actor=cast["supervisor"],
        title="重名测试",
        issuer="示范市城市管理局",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 6, 30),
    )
    for owner in (cast["handler"], namesake):
        add_task(
            actor=cast["supervisor"],
            plan=plan,
            title=f"任务{owner.username}",
            lead_unit=unit,
            responsible=owner,
            deadline=dt.date(2026, 6, 30),
            milestones=[MilestoneInput("过半", dt.date(2026, 3, 31), 50)],
        )

    # When it is exported
    sheet = openpyxl.load_workbook(io.BytesIO(export_plan(plan)))["任务清单"]

    # Then the owners are told apart, and the export imports to the same owners
    owners = [row[9] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert owners == ["陈静（handler）", "陈静（chenjing2）"]
    again = import_plan(actor=cast["supervisor"], data=export_plan(plan), filename="x.xlsx")
    assert _task_facts(again) == _task_facts(plan)


def test_the_export_adds_status_progress_and_tick_off_columns_for_reading(
    cast: dict[str, User],
) -> None:
    plan = import_plan(actor=cast["supervisor"], data=_workbook(GOOD_ROWS), filename="a.xlsx")
    Task.objects.filter(plan=plan, number="1.2").update(progress=40)

    book = openpyxl.load_workbook(io.BytesIO(export_plan(plan)))
    facts = {row[0]: row[1] for row in book["计划"].iter_rows(min_row=2, values_only=True)}
    sheet = book["任务清单"]
    headers = [cell.value for cell in sheet[2]]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))

    assert facts["*标题"] == "2026年市容环境整治行动计划"
    assert facts["进度报送周期"] == "每两周"
    assert headers == [
        "*序号", "类别", "*任务名称", "工作要求", "目标", "目标值", "*牵头单位", "配合单位",
        "责任区域", "*责任人", "开始日期", "*完成时限", "节点", *READING_COLUMNS,
    ]  # fmt: skip
    assert [row[0] for row in rows] == ["1.1", "1.1.1", "1.2", "2.1"]
    assert rows[0][5:10] == (
        "≥95%",
        "明湖区城市管理局",
        "明湖区环境卫生管理所、示范市园林绿化局",
        "明湖区",
        "陈静",
    )
    assert rows[0][12] == MILESTONES
    assert rows[2][13:] == ("推进中", 40, None, None)


def test_the_template_has_both_sheets_the_headers_and_one_example_row() -> None:
    book = openpyxl.load_workbook(io.BytesIO(template_workbook()))
    assert book.sheetnames == ["计划", "任务清单"]
    sheet = book["任务清单"]
    assert "节点写作“2026-03-31 完成方案 30%" in str(sheet["A1"].value)
    assert [str(cell.value).lstrip("*") for cell in sheet[2]] == [*COLUMNS, *READING_COLUMNS]
    examples = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(examples) == 1
    assert examples[0][:3] == ("1.1", "市容环境整治", "主次干道环境卫生整治")


# --- commands -----------------------------------------------------------------------------------


def test_the_import_command_prints_the_plan_and_its_task_count(
    cast: dict[str, User], tmp_path: Path
) -> None:
    path = tmp_path / "plan.xlsx"
    path.write_bytes(_workbook(GOOD_ROWS))
    out = io.StringIO()

    call_command("import_plan", str(path), "--as", "supervisor", stdout=out)

    plan = Plan.objects.get(title="2026年市容环境整治行动计划")
    assert out.getvalue().strip() == (
        f"已导入《2026年市容环境整治行动计划》（编号 {plan.pk}），共 2 个类别、4 项任务。"
    )


def test_the_import_command_prints_every_problem_and_fails(
    cast: dict[str, User], tmp_path: Path
) -> None:
    rows = [list(row) for row in GOOD_ROWS]
    rows[1][9] = ""
    path = tmp_path / "plan.xlsx"
    path.write_bytes(_workbook(rows))
    err = io.StringIO()
    before = _counts()

    with pytest.raises(CommandError, match="未导入：共 1 个问题"):
        call_command("import_plan", str(path), "--as", "supervisor", stderr=err)

    assert err.getvalue().strip() == "任务清单 第4行：任务必须有责任人"
    assert _counts() == before


def test_the_export_command_writes_the_workbook(cast: dict[str, User], tmp_path: Path) -> None:
    plan = import_plan(actor=cast["supervisor"], data=_workbook(GOOD_ROWS), filename="a.xlsx")
    path = tmp_path / "out.xlsx"
    out = io.StringIO()

    call_command("export_plan", "--plan", str(plan.pk), "--out", str(path), stdout=out)

    sheet = openpyxl.load_workbook(path)["任务清单"]
    assert [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)] == [
        "1.1",
        "1.1.1",
        "1.2",
        "2.1",
    ]
    assert "4 项任务" in out.getvalue()


def test_the_commands_explain_themselves() -> None:
    for name, words in (("import_plan", "导入一个行动计划"), ("export_plan", "导出为Excel工作簿")):
        command = load_command_class("finegrid.campaigns", name)
        assert words in command.create_parser("manage.py", name).format_help()
