"""Excel and Word copies of the campaign pages: a plan's board, my tasks, the supervision list, an
inspection round's results and the civilised-city scoreboard.

Each page is first turned into a `Report` (a title, a line of context, and sections of typed rows),
then written by one workbook writer (openpyxl: a sheet per section, real dates and numbers) and one
document writer (python-docx: A4, GB/T 9704 styles and official fonts from `finegrid.reports.docx`,
a table per section, the date at the end). Every figure comes from the selectors' objects.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

import docx as python_docx
from django.utils import timezone
from django.utils.translation import gettext as _
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from finegrid.campaigns.assessment import DistrictScore, GroupScore, NodeScore, Scoreboard
from finegrid.campaigns.inspections import RoundResults, VisitResult, round_results
from finegrid.campaigns.models import (
    IndexTree,
    InspectionRound,
    NoticeStatus,
    SupervisionNotice,
    Task,
)
from finegrid.campaigns.selectors import Board, BoardRow, Light
from finegrid.cases.models import Case
from finegrid.geo.models import Area
from finegrid.org.models import User
from finegrid.reports import docx as gongwen
from finegrid.reports import layout
from finegrid.reports.xlsx import _sheet_names

# How a column's values are written: text wraps; a label is short and centred; the rest are
# figures (dates, moments, counts, scores, rates as fractions, progress in whole per cent).
Kind = Literal["text", "label", "date", "moment", "count", "score", "rate", "percent"]

_FORMATS: Final[dict[str, str]] = {
    "date": "yyyy-mm-dd",
    "moment": "yyyy-mm-dd hh:mm",
    "count": "0",
    "score": "0.00",
    "rate": "0.00%",
    "percent": '0"%"',
}


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = "text"


@dataclass(frozen=True)
class Section:
    """One table: a sheet of the workbook, a numbered heading and table of the document."""

    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[object, ...], ...]
    intro: str = ""


@dataclass(frozen=True)
class Report:
    title: str
    context: str  # the line under the title: document number, period, as-of date
    sections: tuple[Section, ...]
    date: dt.date


# --- values -----------------------------------------------------------------------------------


def _local(moment: dt.datetime) -> dt.datetime:
    return layout.local_naive(moment)


def _excel_value(value: object, kind: Kind) -> object:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return float(value)
    if kind == "moment" and isinstance(value, dt.datetime):
        return _local(value)
    return value


def cell_text(value: object, kind: Kind) -> str:
    """A value as the Word table prints it."""
    if value is None or value == "":
        return "—" if kind in ("count", "score", "rate", "percent") else ""
    if kind == "rate" and isinstance(value, Decimal | float | int):
        return f"{Decimal(str(value)) * 100:.2f}%"
    if kind == "score" and isinstance(value, Decimal | float | int):
        return f"{Decimal(str(value)):.2f}"
    if kind == "percent":
        return f"{value}%"
    if isinstance(value, dt.datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _percent_text(value: Decimal | None) -> str:
    return cell_text(value, "rate")


def _score_text(value: Decimal) -> str:
    return cell_text(value, "score")


# --- writers ----------------------------------------------------------------------------------

_THIN: Final = Side(style="thin", color="999999")
_BOX: Final = Border(top=_THIN, bottom=_THIN, left=_THIN, right=_THIN)
_HEADER_FILL: Final = PatternFill("solid", fgColor="DDEBF7")
HEADER_ROW: Final = 3


def _width(texts: Iterable[str], kind: Kind) -> float:
    widest = max((layout.display_width(text) for text in texts), default=0.0)
    if kind == "text":
        return max(10.0, min(40.0, widest * 2.1 + 2))
    return max(8.0, min(20.0, widest * 2.1 + 2))


def render_xlsx(report: Report) -> bytes:
    """A sheet per section: the title, the context, the headers, then one row per line."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = report.title
    names = _sheet_names([section.title for section in report.sections])
    for section, name in zip(report.sections, names, strict=True):
        ws = workbook.create_sheet(name)
        ws.cell(row=1, column=1, value=report.title).font = Font(bold=True, size=14)
        context = "；".join(part for part in (report.context, section.intro) if part)
        ws.cell(row=2, column=1, value=context or None).font = Font(color="555555")
        for position, column in enumerate(section.columns, start=1):
            cell = ws.cell(row=HEADER_ROW, column=position, value=column.header)
            cell.font, cell.fill, cell.border = Font(bold=True), _HEADER_FILL, _BOX
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for line, values in enumerate(section.rows, start=HEADER_ROW + 1):
            for position, (column, value) in enumerate(
                zip(section.columns, values, strict=True), start=1
            ):
                cell = ws.cell(row=line, column=position, value=_excel_value(value, column.kind))
                cell.border = _BOX
                if column.kind in _FORMATS:
                    cell.number_format = _FORMATS[column.kind]
                cell.alignment = Alignment(
                    vertical="top",
                    wrap_text=column.kind == "text",
                    horizontal="center" if column.kind == "label" else None,
                )
        for position, column in enumerate(section.columns, start=1):
            texts = [column.header] + [
                cell_text(row[position - 1], column.kind) for row in section.rows[:500]
            ]
            ws.column_dimensions[get_column_letter(position)].width = _width(texts, column.kind)
        last = get_column_letter(len(section.columns))
        ws.freeze_panes = f"A{HEADER_ROW + 1}"
        ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + max(len(section.rows), 1)}"
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _grid_kind(kind: Kind) -> layout.ColumnKind:
    if kind == "text":
        return "text"
    if kind == "label":
        return "label"
    return "number"


def render_docx(report: Report) -> bytes:
    """A4 in the bulletin's GB/T 9704 styles: the title, the context, a numbered heading and a
    table per section, and the date at the end."""
    document = python_docx.Document()
    # The bulletin's page, styles and page numbers, so every document the city prints matches.
    gongwen._page_setup(document)
    gongwen._define_styles(document)
    gongwen._page_numbers(document)
    document.core_properties.title = report.title
    moment = dt.datetime.combine(report.date, dt.time())
    document.core_properties.created = moment
    document.core_properties.modified = moment
    document.core_properties.revision = 1
    body = document.element.body
    # The template's empty first paragraph would push the title down a line.
    for paragraph in list(body.iterchildren(qn("w:p"))):
        body.remove(paragraph)

    document.add_paragraph(report.title, style=gongwen.TITLE)
    if report.context:
        context = document.add_paragraph(report.context, style=gongwen.SOURCE)
        context.alignment = WD_ALIGN_PARAGRAPH.CENTER
        context.paragraph_format.first_line_indent = Pt(0)
        context.paragraph_format.space_after = Pt(layout.LINE_PT / 2)
    numbered = len(report.sections) > 1
    for number, section in enumerate(report.sections, start=1):
        if numbered:
            heading = f"{layout.chinese_numeral(number)}、{section.title}"
            document.add_paragraph(heading, style=gongwen.HEADING_1)
        if section.intro:
            document.add_paragraph(section.intro, style=gongwen.BODY)
        if not section.rows:
            document.add_paragraph(_("（无）"), style=gongwen.BODY)
            continue
        gongwen._grid(
            document,
            layout.Grid(
                columns=tuple(column.header for column in section.columns),
                rows=tuple(
                    tuple(
                        cell_text(value, column.kind)
                        for column, value in zip(section.columns, row, strict=True)
                    )
                    for row in section.rows
                ),
                kinds=tuple(_grid_kind(column.kind) for column in section.columns),
            ),
        )
    date = document.add_paragraph(layout.chinese_date(report.date), style=gongwen.SIGNATURE)
    date.paragraph_format.space_before = Pt(layout.LINE_PT)
    date.paragraph_format.right_indent = Pt(layout.BODY_PT * 4)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- a plan's board ---------------------------------------------------------------------------


def _task_columns() -> tuple[Column, ...]:
    return (
        Column(_("序号"), "label"),
        Column(_("任务"), "text"),
        Column(_("牵头单位"), "text"),
        Column(_("责任人"), "label"),
        Column(_("目标"), "text"),
        Column(_("完成时限"), "date"),
        Column(_("进度"), "percent"),
        Column(_("状态"), "label"),
        Column(_("原因"), "text"),
        Column(_("未回复督办单"), "count"),
    )


def _task_row(row: BoardRow) -> tuple[object, ...]:
    task = row.task
    return (
        task.number,
        task.title,
        task.lead_unit.name,
        str(task.responsible),
        task.target_label,
        task.deadline,
        task.progress,
        row.standing.light.label,
        row.standing.reason,
        row.open_notices,
    )


def _counts_text(board: Board) -> str:
    parts = [
        _("%(label)s%(n)d项") % {"label": light.label, "n": board.counts.get(light, 0)}
        for light in (Light.GREEN, Light.YELLOW, Light.RED, Light.DONE)
    ]
    return _("共%(total)d项任务：%(parts)s") % {
        "total": sum(board.counts.values()),
        "parts": "、".join(parts),
    }


def board_report(board: Board) -> Report:
    plan = board.plan
    context = [plan.document_no, _("截至%(day)s") % {"day": layout.chinese_date(board.today)}]
    return Report(
        title=_("《%(plan)s》任务推进情况") % {"plan": plan.title},
        context="　".join(part for part in context if part),
        sections=(
            Section(
                title=_("任务推进情况"),
                columns=_task_columns(),
                rows=tuple(_task_row(row) for row in board.rows),
                intro=_counts_text(board) + "。",
            ),
        ),
        date=board.today,
    )


def board_xlsx(board: Board) -> bytes:
    return render_xlsx(board_report(board))


def board_docx(board: Board) -> bytes:
    return render_docx(board_report(board))


# --- my tasks ---------------------------------------------------------------------------------


def my_tasks_report(
    user: User, rows: Sequence[BoardRow], *, today: dt.date | None = None
) -> Report:
    today = today or timezone.localdate()
    columns = (
        Column(_("行动计划"), "text"),
        Column(_("序号"), "label"),
        Column(_("任务"), "text"),
        Column(_("目标"), "text"),
        Column(_("完成时限"), "date"),
        Column(_("进度"), "percent"),
        Column(_("应达进度"), "percent"),
        Column(_("状态"), "label"),
        Column(_("原因"), "text"),
        Column(_("下一节点"), "date"),
        Column(_("未回复督办单"), "count"),
    )
    lights = [row.standing.light for row in rows]
    intro = _("共%(n)d项未销号任务，其中已滞后%(red)d项、存在风险%(yellow)d项。") % {
        "n": len(rows),
        "red": lights.count(Light.RED),
        "yellow": lights.count(Light.YELLOW),
    }
    return Report(
        title=_("%(name)s的任务清单") % {"name": user},
        context=_("截至%(day)s") % {"day": layout.chinese_date(today)},
        sections=(
            Section(
                title=_("我的任务"),
                columns=columns,
                rows=tuple(
                    (
                        row.task.plan.title,
                        row.task.number,
                        row.task.title,
                        row.task.target_label,
                        row.task.deadline,
                        row.task.progress,
                        row.standing.expected,
                        row.standing.light.label,
                        row.standing.reason,
                        row.standing.next_due,
                        row.open_notices,
                    )
                    for row in rows
                ),
                intro=intro,
            ),
        ),
        date=today,
    )


def my_tasks_xlsx(user: User, rows: Sequence[BoardRow]) -> bytes:
    return render_xlsx(my_tasks_report(user, rows))


def my_tasks_docx(user: User, rows: Sequence[BoardRow]) -> bytes:
    return render_docx(my_tasks_report(user, rows))


# --- the supervision list ---------------------------------------------------------------------


def late_label(notice: SupervisionNotice, *, now: dt.datetime) -> str:
    """逾期回复 for a reply after the deadline; 逾期未回复 for no reply once the deadline passed."""
    if notice.replied_late:
        return _("逾期回复")
    if notice.status == NoticeStatus.AWAITING_REPLY and notice.reply_due < now:
        return _("逾期未回复")
    return ""


def notices_report(
    notices: Iterable[SupervisionNotice], *, now: dt.datetime | None = None
) -> Report:
    now = now or timezone.now()
    listed = list(notices)
    columns = (
        Column(_("督办单号"), "label"),
        Column(_("任务"), "text"),
        Column(_("督办人"), "label"),
        Column(_("督办时间"), "moment"),
        Column(_("督办事项"), "text"),
        Column(_("回复时限"), "moment"),
        Column(_("状态"), "label"),
        Column(_("回复内容"), "text"),
        Column(_("回复时间"), "moment"),
        Column(_("逾期"), "label"),
    )
    rows = tuple(
        (
            notice.number,
            f"{notice.task.number} {notice.task.title}",
            str(notice.issued_by),
            notice.issued_at,
            notice.reason,
            notice.reply_due,
            notice.get_status_display(),
            notice.reply,
            notice.replied_at,
            late_label(notice, now=now),
        )
        for notice in listed
    )
    awaiting = sum(1 for n in listed if n.status == NoticeStatus.AWAITING_REPLY)
    late = sum(1 for row in rows if row[-1])
    intro = _("共%(n)d份督办单，待回复%(awaiting)d份，逾期%(late)d份。") % {
        "n": len(listed),
        "awaiting": awaiting,
        "late": late,
    }
    today = timezone.localdate(now)
    return Report(
        title=_("督办单清单"),
        context=_("截至%(day)s") % {"day": layout.chinese_date(today)},
        sections=(Section(_("督办单"), columns, rows, intro),),
        date=today,
    )


def notices_xlsx(notices: Iterable[SupervisionNotice]) -> bytes:
    return render_xlsx(notices_report(notices))


def notices_docx(notices: Iterable[SupervisionNotice]) -> bytes:
    return render_docx(notices_report(notices))


# --- an inspection round ----------------------------------------------------------------------


def _finished_text(result: VisitResult) -> str:
    return _("已完成") if result.finished else _("未完成")


def round_report(inspection_round: InspectionRound, results: RoundResults | None = None) -> Report:
    results = results or round_results(inspection_round)
    failed = [(visit, item) for visit in results.visits for item in visit.failed]
    tasks = Task.objects.in_bulk([item.task_id for _v, item in failed if item.task_id])
    cases = Case.objects.in_bulk([item.case_id for _v, item in failed if item.case_id])
    districts = Section(
        title=_("各区汇总"),
        columns=(
            Column(_("区"), "text"),
            Column(_("点位数"), "count"),
            Column(_("已完成"), "count"),
            Column(_("得分"), "score"),
            Column(_("应得分"), "score"),
            Column(_("得分率"), "rate"),
            Column(_("不达标项"), "count"),
        ),
        rows=tuple(
            (
                d.district or _("未划入区"),
                d.visits,
                d.finished,
                d.score,
                d.max_score,
                d.rate,
                d.failed,
            )
            for d in results.districts
        ),
    )
    sites = Section(
        title=_("点位得分"),
        columns=(
            Column(_("区"), "text"),
            Column(_("街道"), "text"),
            Column(_("点位"), "text"),
            Column(_("点位类型"), "label"),
            Column(_("检查状态"), "label"),
            Column(_("已打分项"), "count"),
            Column(_("适用项"), "count"),
            Column(_("得分"), "score"),
            Column(_("应得分"), "score"),
            Column(_("得分率"), "rate"),
            Column(_("不达标项"), "count"),
        ),
        rows=tuple(
            (
                v.district,
                v.street,
                v.site_name,
                v.site_type,
                _finished_text(v),
                v.scored,
                v.items,
                v.score,
                v.max_score,
                v.rate,
                len(v.failed),
            )
            for v in results.visits
        ),
    )
    problems = Section(
        title=_("不达标问题"),
        columns=(
            Column(_("区"), "text"),
            Column(_("点位"), "text"),
            Column(_("项目序号"), "count"),
            Column(_("检查标准"), "text"),
            Column(_("得分"), "score"),
            Column(_("分值"), "score"),
            Column(_("整改任务"), "label"),
            Column(_("关联案卷"), "label"),
        ),
        rows=tuple(
            (
                visit.district,
                visit.site_name,
                item.number,
                item.standard,
                item.score,
                item.points,
                tasks[item.task_id].number if item.task_id in tasks else "",
                cases[item.case_id].case_no if item.case_id in cases else "",
            )
            for visit, item in failed
        ),
    )
    total = sum((v.score for v in results.visits), Decimal(0))
    maximum = sum((v.max_score for v in results.visits), Decimal(0))
    finished = sum(1 for v in results.visits if v.finished)
    intro = _(
        "共抽取%(visits)d个点位，已完成%(finished)d个，得分%(score)s/%(max)s，"
        "得分率%(rate)s，不达标%(failed)d项。"
    ) % {
        "visits": len(results.visits),
        "finished": finished,
        "score": _score_text(total),
        "max": _score_text(maximum),
        "rate": _percent_text((total / maximum).quantize(Decimal("0.0001")) if maximum else None),
        "failed": len(failed),
    }
    period = _("%(start)s至%(end)s") % {
        "start": layout.chinese_date(inspection_round.starts_on),
        "end": layout.chinese_date(inspection_round.ends_on),
    }
    return Report(
        title=_("%(name)s检查结果") % {"name": inspection_round.name},
        context="　".join(
            (
                inspection_round.get_kind_display(),
                period,
                _("检查模板：%(name)s") % {"name": inspection_round.template.name},
            )
        ),
        sections=(
            Section(districts.title, districts.columns, districts.rows, intro),
            sites,
            problems,
        ),
        date=timezone.localdate(),
    )


def round_xlsx(inspection_round: InspectionRound) -> bytes:
    return render_xlsx(round_report(inspection_round))


def round_docx(inspection_round: InspectionRound) -> bytes:
    return render_docx(round_report(inspection_round))


# --- the civilised-city scoreboard ------------------------------------------------------------


def _node_columns(first: str) -> tuple[Column, ...]:
    return (
        Column(_("编号"), "label"),
        Column(first, "text"),
        Column(_("分值"), "score"),
        Column(_("得分"), "score"),
        Column(_("已检查分值"), "score"),
        Column(_("得分率"), "rate"),
        Column(_("整改完成后得分"), "score"),
        Column(_("未检查内容"), "count"),
        Column(_("待整改"), "count"),
    )


def _node_row(node: NodeScore) -> tuple[object, ...]:
    return (
        node.code,
        node.title,
        node.points,
        node.score,
        node.checked_points,
        node.rate,
        node.simulated_score,
        node.unchecked,
        node.open_rectifications,
    )


def _group_row(group: GroupScore) -> tuple[object, ...]:
    return (group.name, group.checks, group.passed, group.rate)


def _district_row(district: DistrictScore) -> tuple[object, ...]:
    return (
        district.name,
        district.checks,
        district.passed,
        district.rate,
        district.total,
        district.simulated_total,
        district.unchecked,
    )


def scoreboard_report(board: Scoreboard, *, today: dt.date | None = None) -> Report:
    today = today or timezone.localdate()
    tree = IndexTree.objects.get(pk=board.tree_id)
    district = Area.objects.filter(pk=board.district_id).first() if board.district_id else None
    scope = district.name if district is not None else _("全市")
    summary = _(
        "%(scope)s满分%(max)s分，已检查%(checked)s分，得分%(total)s分，得分率%(rate)s；"
        "待整改问题全部整改后模拟得分%(simulated)s分；尚有%(unchecked)d项测评内容未检查。"
    ) % {
        "scope": scope,
        "max": _score_text(board.max_total),
        "checked": _score_text(board.checked_points),
        "total": _score_text(board.total),
        "rate": _percent_text(board.rate),
        "simulated": _score_text(board.simulated_total),
        "unchecked": board.unchecked,
    }
    overview = Section(
        title=_("总体得分"),
        columns=(Column(_("项目"), "text"), Column(_("分数"), "score")),
        rows=(
            (_("满分"), board.max_total),
            (_("得分"), board.total),
            (_("已检查分值"), board.checked_points),
            (_("整改全部完成后模拟得分"), board.simulated_total),
        ),
    )
    # The weakest items lead: they are what the city must work on before the assessors come.
    weakest = Section(
        title=_("短板弱项"),
        columns=(
            Column(_("编号"), "label"),
            Column(_("测评指标"), "text"),
            Column(_("分值"), "score"),
            Column(_("得分"), "score"),
            Column(_("得分率"), "rate"),
            Column(_("检查次数"), "count"),
            Column(_("达标次数"), "count"),
            Column(_("待整改"), "count"),
        ),
        rows=tuple(
            (n.code, n.title, n.points, n.score, n.rate, n.checks, n.passed, n.open_rectifications)
            for n in board.weakest
        ),
        intro=summary + _("已检查的测评指标按得分率由低到高排列如下。"),
    )
    parts = Section(
        title=_("测评项目得分"),
        columns=_node_columns(_("测评项目")),
        rows=tuple(_node_row(n) for n in board.parts),
    )
    items = Section(
        title=_("测评指标得分"),
        columns=_node_columns(_("测评指标")),
        rows=tuple(_node_row(n) for n in board.items),
    )
    site_types = Section(
        title=_("按点位类型"),
        columns=(
            Column(_("点位类型"), "text"),
            Column(_("检查次数"), "count"),
            Column(_("达标次数"), "count"),
            Column(_("达标率"), "rate"),
        ),
        rows=tuple(_group_row(g) for g in board.by_site_type),
    )
    districts = Section(
        title=_("按区"),
        columns=(
            Column(_("区"), "text"),
            Column(_("检查次数"), "count"),
            Column(_("达标次数"), "count"),
            Column(_("达标率"), "rate"),
            Column(_("得分"), "score"),
            Column(_("整改完成后模拟得分"), "score"),
            Column(_("未检查内容"), "count"),
        ),
        rows=tuple(_district_row(d) for d in board.by_district),
    )
    return Report(
        title=_("%(tree)s测评得分情况（%(scope)s）") % {"tree": tree.name, "scope": scope},
        context=_("截至%(day)s") % {"day": layout.chinese_date(today)},
        sections=(weakest, overview, parts, items, site_types, districts),
        date=today,
    )


def scoreboard_xlsx(board: Scoreboard) -> bytes:
    return render_xlsx(scoreboard_report(board))


def scoreboard_docx(board: Scoreboard) -> bytes:
    return render_docx(scoreboard_report(board))
