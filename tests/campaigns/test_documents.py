"""Excel and Word copies of the campaign pages, opened again and read cell by cell: the board, my
tasks, the supervision list, a round's results and the scoreboard carry the objects' own figures."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from django.utils import timezone

from finegrid.campaigns import documents
from finegrid.campaigns.actions import (
    MilestoneInput,
    add_category,
    add_task,
    create_plan,
    issue_notice,
    reply_notice,
    report_progress,
)
from finegrid.campaigns.assessment import add_review, scoreboard
from finegrid.campaigns.inspections import (
    add_template_item,
    create_template,
    draw_round,
    finish_visit,
    register_site,
    score_item,
)
from finegrid.campaigns.models import (
    IndexNode,
    IndexTree,
    InspectionRound,
    Method,
    NodeLevel,
    Plan,
    RoundKind,
    SiteType,
)
from finegrid.campaigns.selectors import my_tasks, plan_board, supervision_list
from finegrid.geo.models import Grid
from finegrid.org.models import Unit, User
from tests.cases.builders import (
    grid_point,
    shared_spatial_index,  # noqa: F401 (geography unchanged here)
)

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
TODAY = dt.date(2026, 11, 21)
HEADER_ROW = 3


def _at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=SHANGHAI)


def _sheet_rows(data: bytes, sheet: str) -> list[tuple[Any, ...]]:
    ws = openpyxl.load_workbook(io.BytesIO(data))[sheet]
    return list(ws.iter_rows(min_row=HEADER_ROW, values_only=True))


def _sheet_head(data: bytes, sheet: str) -> tuple[Any, Any]:
    ws = openpyxl.load_workbook(io.BytesIO(data))[sheet]
    return ws["A1"].value, ws["A2"].value


def _paragraphs(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs if p.text]


def _tables(data: bytes) -> list[list[list[str]]]:
    return [
        [[cell.text for cell in row.cells] for row in table.rows]
        for table in docx.Document(io.BytesIO(data)).tables
    ]


# --- plans --------------------------------------------------------------------------------------


@pytest.fixture
def plan(cast: dict[str, User]) -> Plan:
    """Two tasks on 2026-11-21: 1.1 late on its milestone, 1.2 due in four days; two notices."""
    supervisor = cast["supervisor"]
    made = create_plan(
        actor=supervisor,
        title="2026年市容环境整治行动计划",
        issuer="示范市城市管理局",
        document_no="示城管〔2026〕3号",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31),
    )
    category = add_category(actor=supervisor, plan=made, name="市容环境整治")
    sweeping = add_task(
        actor=supervisor,
        plan=made,
        category=category,
        title="主次干道保洁",
        lead_unit=Unit.objects.get(name="明湖区城市管理局"),
        responsible=cast["handler"],
        deadline=dt.date(2026, 12, 31),
        target_text="机械化清扫率",
        target_operator=">=",
        target_value=Decimal(95),
        target_unit="%",
        milestones=[MilestoneInput("完成方案", dt.date(2026, 6, 30), 50)],
    )
    add_task(
        actor=supervisor,
        plan=made,
        category=category,
        title="违规广告整治",
        lead_unit=Unit.objects.get(name="示范市城市管理局"),
        responsible=cast["deptadmin"],
        deadline=dt.date(2026, 11, 25),
    )
    report_progress(
        actor=cast["handler"], task=sweeping, progress=30, text="已完成三成", at=_at(5, 10)
    )
    first = issue_notice(
        actor=supervisor,
        task=sweeping,
        reason="进度滞后，请说明原因",
        reply_due=_at(7, 5, 17),
        at=_at(7, 1),
    )
    reply_notice(actor=cast["handler"], notice=first, reply="已增派人员", at=_at(7, 8))
    issue_notice(
        actor=supervisor,
        task=sweeping,
        reason="请报送整改计划",
        reply_due=_at(11, 10, 17),
        at=_at(11, 3),
    )
    return made


def test_the_board_workbook_lists_every_task_with_its_light_and_reason(plan: Plan) -> None:
    # Given the board on 2026-11-21
    board = plan_board(plan, today=TODAY)

    # When it is exported to Excel
    data = documents.board_xlsx(board)

    # Then the title, the counts and every task's figures are in the sheet
    assert _sheet_head(data, "任务推进情况") == (
        "《2026年市容环境整治行动计划》任务推进情况",
        "示城管〔2026〕3号　截至2026年11月21日；"
        "共2项任务：正常推进0项、存在风险1项、已滞后1项、已销号0项。",
    )
    assert _sheet_rows(data, "任务推进情况") == [
        ("序号", "任务", "牵头单位", "责任人", "目标", "完成时限", "进度", "状态", "原因",
         "未回复督办单"),
        ("1.1", "主次干道保洁", "明湖区城市管理局", "陈静", "机械化清扫率 ≥ 95%",
         dt.datetime(2026, 12, 31), 30, "已滞后", "“完成方案”应于2026-06-30达到50%，现为30%", 1),
        ("1.2", "违规广告整治", "示范市城市管理局", "杨帆", None, dt.datetime(2026, 11, 25), 0,
         "存在风险", "“完成时限”将于2026-11-25到期，应达100%，现为0%", 0),
    ]  # fmt: skip
    ws = openpyxl.load_workbook(io.BytesIO(data))["任务推进情况"]
    assert (ws["F4"].number_format, ws["G4"].number_format) == ("yyyy-mm-dd", '0"%"')


def test_the_board_document_is_a4_in_official_fonts_with_title_table_and_date(plan: Plan) -> None:
    data = documents.board_docx(plan_board(plan, today=TODAY))

    document = docx.Document(io.BytesIO(data))
    section = document.sections[0]
    assert section.page_width is not None
    assert section.page_height is not None
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        styles = archive.read("word/styles.xml").decode()
    assert 'w:eastAsia="方正小标宋简体"' in styles
    assert 'w:eastAsia="仿宋_GB2312"' in styles
    assert _paragraphs(data) == [
        "《2026年市容环境整治行动计划》任务推进情况",
        "示城管〔2026〕3号　截至2026年11月21日",
        "共2项任务：正常推进0项、存在风险1项、已滞后1项、已销号0项。",
        "2026年11月21日",
    ]
    assert _tables(data) == [
        [
            ["序号", "任务", "牵头单位", "责任人", "目标", "完成时限", "进度", "状态", "原因",
             "未回复督办单"],
            ["1.1", "主次干道保洁", "明湖区城市管理局", "陈静", "机械化清扫率 ≥ 95%", "2026-12-31",
             "30%", "已滞后", "“完成方案”应于2026-06-30达到50%，现为30%", "1"],
            ["1.2", "违规广告整治", "示范市城市管理局", "杨帆", "", "2026-11-25", "0%", "存在风险",
             "“完成时限”将于2026-11-25到期，应达100%，现为0%", "0"],
        ]
    ]  # fmt: skip


def test_my_tasks_are_exported_with_the_progress_expected_by_now(
    plan: Plan, cast: dict[str, User]
) -> None:
    # Given the handler's open tasks on 2026-11-21
    rows = my_tasks(cast["handler"], today=TODAY)

    # When they are exported
    data = documents.my_tasks_xlsx(cast["handler"], rows)
    words = documents.my_tasks_docx(cast["handler"], rows)

    # Then the one task of theirs is there, 50% expected against 30% done
    today = timezone.localdate()
    assert _sheet_head(data, "我的任务") == (
        "陈静的任务清单",
        f"截至{today.year}年{today.month}月{today.day}日；共1项未销号任务，其中已滞后1项、存在风险0项。",
    )
    assert _sheet_rows(data, "我的任务") == [
        ("行动计划", "序号", "任务", "目标", "完成时限", "进度", "应达进度", "状态", "原因",
         "下一节点", "未回复督办单"),
        ("2026年市容环境整治行动计划", "1.1", "主次干道保洁", "机械化清扫率 ≥ 95%",
         dt.datetime(2026, 12, 31), 30, 50, "已滞后", "“完成方案”应于2026-06-30达到50%，现为30%",
         dt.datetime(2026, 6, 30), 1),
    ]  # fmt: skip
    assert _tables(words)[0][1][5:7] == ["30%", "50%"]
    assert _paragraphs(words)[0] == "陈静的任务清单"


def test_the_supervision_list_shows_replies_and_late_flags(
    plan: Plan, cast: dict[str, User]
) -> None:
    # Given two notices: one replied three days late, one past its reply deadline unanswered
    notices = supervision_list(cast["supervisor"])

    # When the list is exported
    data = documents.notices_xlsx(notices)
    words = documents.notices_docx(notices)

    # Then each notice has its times, reply and late flag
    rows = _sheet_rows(data, "督办单")
    assert rows[0] == (
        "督办单号", "任务", "督办人", "督办时间", "督办事项", "回复时限", "状态", "回复内容",
        "回复时间", "逾期",
    )  # fmt: skip
    assert rows[1:] == [
        ("督办〔2026〕2号", "1.1 主次干道保洁", "赵敏", dt.datetime(2026, 11, 3, 10),
         "请报送整改计划", dt.datetime(2026, 11, 10, 17), "待回复", None, None, "逾期未回复"),
        ("督办〔2026〕1号", "1.1 主次干道保洁", "赵敏", dt.datetime(2026, 7, 1, 10),
         "进度滞后，请说明原因", dt.datetime(2026, 7, 5, 17), "已回复", "已增派人员",
         dt.datetime(2026, 7, 8, 10), "逾期回复"),
    ]  # fmt: skip
    assert _sheet_head(data, "督办单")[1].endswith("共2份督办单，待回复1份，逾期2份。")
    assert _tables(words)[0][2] == [
        "督办〔2026〕1号", "1.1 主次干道保洁", "赵敏", "2026-07-01 10:00", "进度滞后，请说明原因",
        "2026-07-05 17:00", "已回复", "已增派人员", "2026-07-08 10:00", "逾期回复",
    ]  # fmt: skip


# --- a round and the scoreboard -----------------------------------------------------------------


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def tree() -> IndexTree:
    """One part → one item → a field-check content (6 points) and a material content (4)."""
    made = IndexTree.objects.create(name="2026年测评体系（文档测试）", year=2026)
    part = IndexNode.objects.create(
        tree=made, level=NodeLevel.PART, code="1", title="公共环境", points=10, order=1
    )
    item = IndexNode.objects.create(
        tree=made,
        parent=part,
        level=NodeLevel.ITEM,
        code="1.1",
        title="市容环境",
        points=10,
        order=2,
    )
    IndexNode.objects.create(
        tree=made,
        parent=item,
        level=NodeLevel.CONTENT,
        code="1.1.1",
        title="主次干道整洁",
        points=6,
        method=Method.FIELD_CHECK,
        order=3,
    )
    IndexNode.objects.create(
        tree=made,
        parent=item,
        level=NodeLevel.CONTENT,
        code="1.1.2",
        title="制度建设",
        points=4,
        method=Method.MATERIAL,
        order=4,
    )
    return made


def _street_point(street_code: str) -> tuple[float, float]:
    grid = Grid.objects.current().filter(code__startswith=street_code).order_by("code").first()
    assert grid is not None
    return grid_point(grid.code)


@pytest.fixture
def inspection(cast: dict[str, User], tree: IndexTree) -> InspectionRound:
    """Two main streets drawn, 湖滨路 (明湖区) passed and finished, 青山路 (青山区) failed."""
    supervisor = cast["supervisor"]
    street = SiteType.objects.get(tag=9)
    for name, code in (("湖滨路", "990102001"), ("青山路", "990103001")):
        lon, lat = _street_point(code)
        register_site(actor=supervisor, site_type=street, name=name, lon=lon, lat=lat)
    checklist = create_template(actor=supervisor, name="文档测试检查表", site_types=[street])
    add_template_item(
        actor=supervisor,
        template=checklist,
        standard="路面无暴露垃圾",
        points=Decimal(6),
        photo_required=False,
        content=tree.nodes.get(code="1.1.1"),
    )
    drawn = draw_round(
        actor=supervisor,
        name="11月暗访",
        kind=RoundKind.UNDERCOVER,
        template=checklist,
        starts_on=dt.date(2026, 11, 16),
        ends_on=dt.date(2026, 11, 30),
        sample={9: 2},
        seed=7,
        assessment=tree,
    )
    item = checklist.items.get()
    for visit in drawn.visits.select_related("site"):
        passed = visit.site.name == "湖滨路"
        score_item(
            actor=supervisor,
            visit=visit,
            item=item,
            score=Decimal(6 if passed else 2),
            note="" if passed else "路面有暴露垃圾",
            at=_at(11, 20),
        )
        if passed:
            finish_visit(actor=supervisor, visit=visit, at=_at(11, 20, 11))
    add_review(actor=supervisor, node=tree.nodes.get(code="1.1.2"), score=Decimal(3))
    return drawn


def test_a_rounds_results_are_summed_per_district_and_list_every_failure(
    inspection: InspectionRound,
) -> None:
    data = documents.round_xlsx(inspection)

    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames == [
        "各区汇总",
        "点位得分",
        "不达标问题",
    ]
    assert _sheet_head(data, "各区汇总") == (
        "11月暗访检查结果",
        "暗访　2026年11月16日至2026年11月30日　检查模板：文档测试检查表；"
        "共抽取2个点位，已完成1个，得分8.00/12.00，得分率66.67%，不达标1项。",
    )
    assert _sheet_rows(data, "各区汇总") == [
        ("区", "点位数", "已完成", "得分", "应得分", "得分率", "不达标项"),
        ("明湖区", 1, 1, 6, 6, 1, 0),
        ("青山区", 1, 0, 2, 6, 0.3333, 1),
    ]
    assert _sheet_rows(data, "点位得分")[1:] == [
        ("明湖区", "湖滨街道", "湖滨路", "主次干道、商业大街", "已完成", 1, 1, 6, 6, 1, 0),
        ("青山区", "青山街道", "青山路", "主次干道、商业大街", "未完成", 1, 1, 2, 6, 0.3333, 1),
    ]
    assert _sheet_rows(data, "不达标问题")[1:] == [
        ("青山区", "青山路", 1, "路面无暴露垃圾", 2, 6, "1", None),
    ]


def test_a_rounds_document_has_a_numbered_section_per_table(inspection: InspectionRound) -> None:
    words = documents.round_docx(inspection)

    assert _paragraphs(words)[:4] == [
        "11月暗访检查结果",
        "暗访　2026年11月16日至2026年11月30日　检查模板：文档测试检查表",
        "一、各区汇总",
        "共抽取2个点位，已完成1个，得分8.00/12.00，得分率66.67%，不达标1项。",
    ]
    assert _paragraphs(words)[4:6] == ["二、点位得分", "三、不达标问题"]
    tables = _tables(words)
    assert tables[0][1:] == [
        ["明湖区", "1", "1", "6.00", "6.00", "100.00%", "0"],
        ["青山区", "1", "0", "2.00", "6.00", "33.33%", "1"],
    ]
    assert tables[2][1] == ["青山区", "青山路", "1", "路面无暴露垃圾", "2.00", "6.00", "1", ""]


def test_the_scoreboard_leads_with_the_weakest_items_and_simulates_full_rectification(
    inspection: InspectionRound, tree: IndexTree
) -> None:
    # Given the tree scored: the field check 1 of 2 passed (3.00 of 6), the material 3 of 4
    board = scoreboard(tree=tree)

    # When it is exported
    data = documents.scoreboard_xlsx(board)
    words = documents.scoreboard_docx(board)

    # Then every section carries the scoreboard's figures
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == [
        "短板弱项",
        "总体得分",
        "测评项目得分",
        "测评指标得分",
        "按点位类型",
        "按区",
    ]
    title, context = _sheet_head(data, "短板弱项")
    assert title == "2026年测评体系（文档测试）测评得分情况（全市）"
    assert context.endswith(
        "全市满分10.00分，已检查10.00分，得分6.00分，得分率60.00%；"
        "待整改问题全部整改后模拟得分9.00分；尚有0项测评内容未检查。"
        "已检查的测评指标按得分率由低到高排列如下。"
    )
    assert _sheet_rows(data, "短板弱项")[1:] == [("1.1", "市容环境", 10, 6, 0.6, 3, 1, 1)]
    assert _sheet_rows(data, "总体得分")[1:] == [
        ("满分", 10),
        ("得分", 6),
        ("已检查分值", 10),
        ("整改全部完成后模拟得分", 9),
    ]
    assert _sheet_rows(data, "测评项目得分") == [
        ("编号", "测评项目", "分值", "得分", "已检查分值", "得分率", "整改完成后得分",
         "未检查内容", "待整改"),
        ("1", "公共环境", 10, 6, 10, 0.6, 9, 0, 1),
    ]  # fmt: skip
    assert _sheet_rows(data, "测评指标得分")[1:] == [("1.1", "市容环境", 10, 6, 10, 0.6, 9, 0, 1)]
    assert _sheet_rows(data, "按点位类型")[1:] == [("主次干道、商业大街", 2, 1, 0.5)]
    assert _sheet_rows(data, "按区")[1:] == [
        ("明湖区", 1, 1, 1, 9, 9, 0),
        ("青山区", 1, 0, 0, 3, 9, 0),
    ]
    tables = _tables(words)
    assert tables[0][1] == ["1.1", "市容环境", "10.00", "6.00", "60.00%", "3", "1", "1"]
    assert tables[5][2] == ["青山区", "1", "0", "0.00%", "3.00", "9.00", "0"]
    assert _paragraphs(words)[:3] == [
        "2026年测评体系（文档测试）测评得分情况（全市）",
        f"截至{timezone.localdate().year}年{timezone.localdate().month}月"
        f"{timezone.localdate().day}日",
        "一、短板弱项",
    ]


def test_an_empty_list_still_makes_both_files(cast: dict[str, User]) -> None:
    data = documents.notices_xlsx([])
    words = documents.notices_docx([])

    assert _sheet_rows(data, "督办单")[1:] == []
    assert "（无）" in _paragraphs(words)
    assert _tables(words) == []
