"""The bulletin's workbook: every row of every ranking, with the score and rank as live formulas.

Written in openpyxl's write-only mode, so a 20,000-row grid ranking streams out in seconds.
A ranking sheet holds the item scores and, in row 2, the weights; the composite is
`ROUND(SUMPRODUCT(weights, item scores)/100 + adjustment, 2)` and the rank `RANK()` over the
composites, so an official can change a weight and watch the ranking follow. The grade is a
value: the grade bands are the scheme's, not part of the bulletin's content.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from typing import Any, Final

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.properties import CalcProperties

from finegrid.reports.content import Bulletin, Table
from finegrid.reports.layout import (
    base_name,
    chinese_date,
    display_width,
    document_kind,
    local_naive,
    overdue_in_order,
)

HEADER_ROW: Final = 3
FIRST_ROW: Final = 4  # rows 1–3: title, weights, column headers
CHART_ROWS: Final = 30
WIDTH_SAMPLE: Final = 500  # rows looked at to size the columns

_THIN: Final = Side(style="thin", color="999999")


def _named(
    name: str,
    *,
    bold: bool = False,
    size: float = 11,
    colour: str = "000000",
    fmt: str = "General",
    horizontal: str | None = None,
    header: bool = False,
) -> NamedStyle:
    style = NamedStyle(name=name)
    style.font = Font(name="等线", size=size, bold=bold, color=colour)
    style.number_format = fmt
    style.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=header)
    if header:
        style.fill = PatternFill("solid", fgColor="DDEBF7")
        style.border = Border(top=_THIN, bottom=_THIN, left=_THIN, right=_THIN)
    return style


# Named cell styles: cheaper to apply than fonts and formats one by one, and an official who
# restyles a column in Excel finds them in the cell-style gallery.
TEXT: Final = "通报-文字"
LABEL: Final = "通报-项目"
CENTRED: Final = "通报-居中"
COMPOSITE: Final = "通报-综合得分"
RATE: Final = "通报-百分比"
NUMBER_LEFT: Final = "通报-数值居左"
RATE_LEFT: Final = "通报-百分比居左"
ADJUSTMENT: Final = "通报-加减分"
RANK_CHANGE: Final = "通报-排名变化"
WEIGHT: Final = "通报-权重"
HEADER: Final = "通报-表头"
TITLE: Final = "通报-标题"
MOMENT: Final = "通报-时间"
HOURS: Final = "通报-时长"


def _styles() -> tuple[NamedStyle, ...]:
    """Fresh for each workbook: openpyxl binds a named style to the workbook it is added to."""
    return (
        _named(TEXT),
        _named(LABEL, bold=True),
        _named(CENTRED, horizontal="center"),
        _named(COMPOSITE, fmt="0.00", bold=True),
        _named(RATE, fmt="0.00%"),
        _named(NUMBER_LEFT, fmt="General", horizontal="left"),
        _named(RATE_LEFT, fmt="0.00%", horizontal="left"),
        _named(ADJUSTMENT, fmt="+0.00;-0.00;0.00"),
        _named(RANK_CHANGE, fmt='"↑"0;"↓"0;"—"', horizontal="center"),
        _named(WEIGHT, fmt="General", colour="555555", horizontal="center"),
        _named(HEADER, bold=True, horizontal="center", header=True),
        _named(TITLE, bold=True, size=14),
        _named(MOMENT, fmt="yyyy-mm-dd hh:mm"),
        _named(HOURS, fmt="0.0"),
    )


_SHEET_FORBIDDEN: Final = re.compile(r"[\[\]:*?/\\]")


def render_xlsx(bulletin: Bulletin) -> bytes:
    workbook = Workbook(write_only=True)
    # Formula cells carry no cached values: Excel and LibreOffice compute them on opening.
    workbook.calculation = CalcProperties(fullCalcOnLoad=True)
    workbook.properties.title = bulletin.title
    workbook.properties.creator = bulletin.issuer
    workbook.properties.subject = bulletin.document_number
    for style in _styles():
        workbook.add_named_style(style)

    names = _sheet_names(["汇总", *(table.title for table in bulletin.tables), "超期案卷"])
    _summary(workbook, names[0], bulletin, names[1:-1])
    for table, name in zip(bulletin.tables, names[1:-1], strict=True):
        _ranking(workbook, name, table, bulletin.period_label)
    _overdue(workbook, names[-1], bulletin)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_names(titles: Sequence[str]) -> list[str]:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique regardless of case."""
    names: list[str] = []
    seen: set[str] = set()
    for title in titles:
        base = _SHEET_FORBIDDEN.sub("", title).strip("'") or "排名"
        name, suffix = base[:31], 2
        while name.casefold() in seen:
            tag = f"（{suffix}）"
            name, suffix = base[: 31 - len(tag)] + tag, suffix + 1
        seen.add(name.casefold())
        names.append(name)
    return names


def _cell(ws: Any, value: object, style: str = TEXT) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    cell.style = style
    return cell


def _refill(cells: Sequence[WriteOnlyCell | None], values: Sequence[object]) -> list[object]:
    """The row to append: each value in its column's styled cell, if the column has one."""
    row: list[object] = []
    for cell, value in zip(cells, values, strict=True):
        if cell is None or value is None:
            row.append(value)
        else:
            cell.value = value
            row.append(cell)
    return row


def _width(texts: Iterable[str], minimum: float, maximum: float) -> float:
    """A column width in Excel's units (about one per half-width character) for these texts."""
    widest = max((display_width(text) for text in texts), default=0.0)
    return max(minimum, min(maximum, widest * 2.2 + 2))


def _summary(workbook: Workbook, name: str, bulletin: Bulletin, sheets: Sequence[str]) -> None:
    ws = workbook.create_sheet(name)
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 48
    ws.column_dimensions["C"].width = 8
    ws.append([_cell(ws, bulletin.title, TITLE)])
    ws.append([])
    facts: list[tuple[str, str]] = [
        ("发文字号", bulletin.document_number),
        ("发文机关", bulletin.issuer),
        ("类型", document_kind(bulletin)),
        (
            "考核期间",
            f"{bulletin.period_label}（{chinese_date(bulletin.period_start)}至"
            f"{chinese_date(bulletin.period_end)}）",
        ),
        ("成文日期", chinese_date(bulletin.issued_on)),
        ("考核办法", bulletin.scheme_label),
        ("数据来源", bulletin.run_label),
    ]
    for label, value in facts:
        ws.append([_cell(ws, label, LABEL), _cell(ws, value)])
    ws.append([])
    ws.append([_cell(ws, "全市汇总", HEADER), _cell(ws, "数值", HEADER)])
    for label, amount, unit in bulletin.totals:
        if unit == "%":
            ws.append([_cell(ws, label), _cell(ws, amount / 100, RATE_LEFT)])
        else:
            ws.append(
                [_cell(ws, f"{label}（{unit}）" if unit else label), _cell(ws, amount, NUMBER_LEFT)]
            )
    ws.append([])
    ws.append([_cell(ws, "工作表", HEADER), _cell(ws, "内容", HEADER), _cell(ws, "行数", HEADER)])
    for sheet, table in zip(sheets, bulletin.tables, strict=True):
        ws.append(
            [_cell(ws, sheet), _cell(ws, table.title), _cell(ws, len(table.rows), NUMBER_LEFT)]
        )
    ws.append(
        [
            _cell(ws, "超期案卷"),
            _cell(ws, "超过处置时限仍未结案的案卷"),
            _cell(ws, len(bulletin.overdue), NUMBER_LEFT),
        ]
    )
    if bulletin.notes:
        ws.append([])
        for note in bulletin.notes:
            ws.append([_cell(ws, "更正说明", LABEL), _cell(ws, note)])
    ws.append([])
    ws.append(
        [
            _cell(ws, "说明", LABEL),
            _cell(ws, f"本表为《{bulletin.title}》的附表（{base_name(bulletin)}明细）。"),
        ]
    )


def _ranking(workbook: Workbook, name: str, table: Table, period_label: str) -> None:
    ws = workbook.create_sheet(name)
    items, figures = table.items, table.figures
    k = len(items)
    # Columns: rank, name, code, item values, figures, item scores, adjustment, composite, grade,
    # rank change, adjustment reasons.
    value_col = 4
    figure_col = value_col + k
    score_col = figure_col + len(figures)
    adjustment_col = score_col + k
    composite_col = adjustment_col + 1
    grade_col = composite_col + 1
    change_col = grade_col + 1
    reasons_col = change_col + 1
    last_row = FIRST_ROW + len(table.rows) - 1
    composite_letter = get_column_letter(composite_col)
    adjustment_letter = get_column_letter(adjustment_col)
    first_score, last_score = get_column_letter(score_col), get_column_letter(score_col + k - 1)

    headers = [
        "排名",
        "名称",
        "编码",
        *(f"{item.label}（{item.unit}）" if item.unit else item.label for item in items),
        *(
            f"{figure.label}（{figure.unit}）" if figure.unit else figure.label
            for figure in figures
        ),
        *(f"{item.label}得分" for item in items),
        "加减分",
        "综合得分",
        "等级",
        "排名变化",
        "加减分说明",
    ]
    ws.freeze_panes = f"D{FIRST_ROW}"
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(reasons_col)}{max(last_row, FIRST_ROW)}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"

    ws.append([_cell(ws, f"{table.title}（{period_label}）", TITLE)])
    weights: list[object] = [None] * (score_col - 1)
    weights[1] = _cell(ws, "权重（%）", WEIGHT)
    weights += [_cell(ws, item.weight, WEIGHT) for item in items]
    ws.append(weights)
    ws.row_dimensions[HEADER_ROW].height = 33  # two lines: headers wrap before their unit
    ws.append([_cell(ws, header, HEADER) for header in headers])

    composite_range = f"${composite_letter}${FIRST_ROW}:${composite_letter}${last_row}"
    weight_range = f"${first_score}$2:${last_score}$2"
    # One styled cell per column, refilled row after row: a write-only sheet writes each
    # appended row at once, and styling 300,000 fresh cells would cost seconds.
    # Only cells whose format matters are styled: a styled cell costs openpyxl several times
    # a plain one, and plain numbers and text read well in Excel's General format.
    styles: list[str | None] = [
        None,
        None,
        None,
        *(RATE if item.unit == "%" else None for item in items),
        *(None for _ in figures),
        *(None for _ in items),
        ADJUSTMENT,
        COMPOSITE,
        CENTRED,
        RANK_CHANGE,
        None,
    ]
    cells = [None if style is None else _cell(ws, None, style) for style in styles]
    for offset, row in enumerate(table.rows):
        r = FIRST_ROW + offset
        if k:
            composite = (
                f"=ROUND(SUMPRODUCT({weight_range},{first_score}{r}:{last_score}{r})/100"
                f"+{adjustment_letter}{r},2)"
            )
        else:
            composite = f"=ROUND({adjustment_letter}{r},2)"
        values: list[object] = [
            f"=RANK({composite_letter}{r},{composite_range})",
            row.name,
            row.code,
        ]
        for item in items:
            value = row.item_values.get(item.code)
            values.append(value / 100 if value is not None and item.unit == "%" else value)
        values += [row.figures.get(figure.code) for figure in figures]
        values += [row.item_scores.get(item.code, 0.0) for item in items]
        values += [
            row.adjustment,
            composite,
            row.grade,
            "新" if row.rank_change is None else row.rank_change,
            "；".join(row.adjustment_reasons) or None,
        ]
        ws.append(_refill(cells, values))

    ws.column_dimensions["A"].width = 7
    ws.column_dimensions["B"].width = _width(
        (row.name for row in table.rows[:WIDTH_SAMPLE]), 10, 30
    )
    ws.column_dimensions["C"].width = _width((row.code for row in table.rows[:WIDTH_SAMPLE]), 8, 20)
    for index, header in enumerate(headers[3:-1], start=4):
        ws.column_dimensions[get_column_letter(index)].width = _width([header], 9, 14)
    ws.column_dimensions[get_column_letter(reasons_col)].width = 30

    if table.rows:
        ws.add_chart(
            _score_chart(ws, table, composite_col, last_row),
            f"{get_column_letter(reasons_col + 2)}{HEADER_ROW}",
        )


def _score_chart(ws: Any, table: Table, composite_col: int, last_row: int) -> BarChart:
    """Native bars of the best `CHART_ROWS` composites, best at the top."""
    shown_last = min(last_row, FIRST_ROW + CHART_ROWS - 1)
    chart = BarChart()
    chart.type = "bar"
    chart.style = 10
    chart.title = f"{table.title}（前{shown_last - FIRST_ROW + 1}名）"
    chart.y_axis.title = "综合得分"
    chart.legend = None
    data = Reference(ws, min_col=composite_col, min_row=HEADER_ROW, max_row=shown_last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=2, min_row=FIRST_ROW, max_row=shown_last))
    chart.x_axis.scaling.orientation = "maxMin"  # rank 1 at the top
    # openpyxl marks axes as deleted by default; Excel would then draw no labels.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.y_axis.scaling.min = 0
    chart.width = 18
    chart.height = max(7.5, 0.55 * (shown_last - FIRST_ROW + 1) + 2)
    return chart


def _overdue(workbook: Workbook, name: str, bulletin: Bulletin) -> None:
    ws = workbook.create_sheet(name)
    headers = ["序号", "案卷号", "类别", "位置", "处置单位", "处置时限", "超期工作时长（小时）"]
    ws.freeze_panes = "C3"
    ws.append(
        [
            _cell(
                ws,
                f"超期案卷（截至{chinese_date(bulletin.period_end)}，共{len(bulletin.overdue)}件）",
                TITLE,
            )
        ]
    )
    ws.append([_cell(ws, header, HEADER) for header in headers])
    if bulletin.overdue:
        ws.auto_filter.ref = f"A2:G{len(bulletin.overdue) + 2}"
    cells = [None, None, None, None, None, _cell(ws, None, MOMENT), _cell(ws, None, HOURS)]
    cases = overdue_in_order(bulletin.overdue)
    for index, case in enumerate(cases, start=1):
        values = (
            index,
            case.case_no,
            case.category,
            case.address,
            case.department,
            local_naive(case.deadline),
            case.overdue_hours,
        )
        ws.append(_refill(cells, values))
    sample = cases[:WIDTH_SAMPLE]
    widths = (
        6,
        _width((case.case_no for case in sample), 10, 24),
        _width((case.category for case in sample), 8, 20),
        _width((case.address for case in sample), 12, 40),
        _width((case.department for case in sample), 10, 24),
        17,
        12,
    )
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
