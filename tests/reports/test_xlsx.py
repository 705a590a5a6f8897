"""The workbook: a sheet per ranking with every row, live score and rank formulas, a chart."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
import zipfile
from typing import Any

import openpyxl
import pytest

from finegrid.reports.content import Bulletin, Table
from finegrid.reports.layout import overdue_in_order
from finegrid.reports.xlsx import render_xlsx
from tests.reports.factories import make_bulletin
from tests.reports.formulas import Sheet

FIRST_ROW = 4


def _book(data: bytes, *, read_only: bool = False) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data), read_only=read_only)


def _cells(ws: Any) -> dict[str, object]:
    return {
        cell.coordinate: cell.value
        for row in ws.iter_rows()
        for cell in row
        if getattr(cell, "coordinate", None) is not None and cell.value is not None
    }


def _column(headers: list[object], name: str) -> str:
    return str(openpyxl.utils.get_column_letter(headers.index(name) + 1))


def test_one_sheet_per_ranking_between_the_summary_and_the_overdue_cases(
    xlsx_bytes: bytes, bulletin: Bulletin
) -> None:
    assert _book(xlsx_bytes).sheetnames == [
        "汇总",
        *(table.title for table in bulletin.tables),
        "超期案卷",
    ]


def test_summary_names_the_document_period_source_and_totals(xlsx_bytes: bytes) -> None:
    ws = _book(xlsx_bytes)["汇总"]
    rows = {row[0]: row[1:] for row in ws.iter_rows(values_only=True) if row[0] is not None}
    assert rows["发文字号"][0] == "示城管〔2026〕12号"
    assert rows["考核期间"][0] == "2026年10月（2026年10月1日至2026年10月31日）"
    assert rows["考核办法"][0] == "2026年区域考核办法（第2版）"
    assert rows["数据来源"][0] == "考核批次 #12，2026年11月1日 02:00 计算"
    assert rows["立案（件）"][0] == 996
    assert rows["结案率"][0] == pytest.approx(0.9372)
    assert ws["B15"].number_format == "0.00%"  # 结案率, the fourth total
    assert rows["更正说明"][0] == "本通报更正第11批次中洪山区结案数统计口径。"


def _check_ranking(cells: dict[str, object], table: Table, *, sample: range | None = None) -> None:
    sheet = Sheet(cells)
    last = 3 + len(table.rows)
    headers = [cells.get(f"{openpyxl.utils.get_column_letter(c)}3") for c in range(1, 40)]
    composite = _column(headers, "综合得分")
    grade = _column(headers, "等级")
    # Weights sit above the item scores, in the scheme's order.
    weights = [cells[f"{_column(headers, item.label + '得分')}2"] for item in table.items]
    assert weights == [item.weight for item in table.items]
    assert cells.get(f"B{last}") == table.rows[-1].name
    assert f"B{last + 1}" not in cells
    for offset in sample if sample is not None else range(len(table.rows)):
        row = table.rows[offset]
        r = FIRST_ROW + offset
        score_formula = cells[f"{composite}{r}"]
        rank_formula = cells[f"A{r}"]
        assert isinstance(score_formula, str)
        assert score_formula.startswith("=ROUND(SUMPRODUCT(")
        assert isinstance(rank_formula, str)
        assert rank_formula.startswith("=RANK(")
        assert sheet.value(f"{composite}{r}") == row.score, row.name
        assert sheet.value(f"A{r}") == row.rank, row.name
        assert cells[f"B{r}"] == row.name
        assert cells[f"C{r}"] == row.code
        assert cells[f"{grade}{r}"] == row.grade


def test_score_and_rank_are_formulas_that_give_the_evaluations_figures(
    xlsx_bytes: bytes, bulletin: Bulletin
) -> None:
    book = _book(xlsx_bytes)
    for table in bulletin.tables:
        _check_ranking(_cells(book[table.title]), table)


def test_changing_a_weight_changes_the_score_the_formula_gives(
    xlsx_bytes: bytes, bulletin: Bulletin
) -> None:
    ws = _book(xlsx_bytes)[bulletin.tables[0].title]
    cells = _cells(ws)
    before = Sheet(cells).value("O4")
    cells["J2"] = 0  # no weight for the public report rate any more
    assert Sheet(cells).value("O4") != before


def test_values_scores_and_formats_look_finished(xlsx_bytes: bytes, bulletin: Bulletin) -> None:
    ws = _book(xlsx_bytes)[bulletin.tables[0].title]
    row = bulletin.tables[0].rows[0]
    headers = [c.value for c in ws[3]]
    close_rate = _column(headers, "结案率（%）")
    close_score = _column(headers, "结案率得分")
    value = row.item_values["close_rate"]
    assert value is not None
    assert ws[f"{close_rate}4"].value == pytest.approx(value / 100)
    assert ws[f"{close_rate}4"].number_format == "0.00%"
    assert ws[f"{close_score}4"].value == row.item_scores["close_rate"]
    assert ws[f"{_column(headers, '综合得分')}4"].number_format == "0.00"
    assert ws[f"{_column(headers, '加减分')}4"].value == row.adjustment
    assert ws[f"{_column(headers, '排名变化')}4"].value == (
        "新" if row.rank_change is None else row.rank_change
    )
    assert ws.freeze_panes == "D4"
    assert ws.auto_filter.ref == f"A3:{openpyxl.utils.get_column_letter(len(headers))}13"
    assert ws.column_dimensions["B"].width >= 10


def test_a_subject_with_nothing_due_has_an_empty_value_cell(
    xlsx_bytes: bytes, bulletin: Bulletin
) -> None:
    table = bulletin.tables[0]
    offset = next(
        i for i, r in enumerate(table.rows) if r.item_values["on_time_close_rate"] is None
    )
    ws = _book(xlsx_bytes)[table.title]
    headers = [c.value for c in ws[3]]
    assert ws[f"{_column(headers, '按期结案率（%）')}{FIRST_ROW + offset}"].value is None


def test_each_ranking_sheet_has_a_bar_chart_of_the_best_thirty(
    xlsx_bytes: bytes, bulletin: Bulletin
) -> None:
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes)) as archive:
        charts = sorted(
            n for n in archive.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)
        )
        xml = [archive.read(name).decode() for name in charts]
    assert len(xml) == len(bulletin.tables)
    streets = next(x for x in xml if "各街道综合考核排名" in x)
    assert '<barDir val="bar"/>' in streets  # horizontal bars
    assert "'各街道综合考核排名'!$O$4:$O$33" in streets  # composite scores, rows 1–30
    assert '<orientation val="maxMin"/>' in streets  # rank 1 at the top
    assert "'各街道综合考核排名'!$B$4:$B$33" in streets  # their names


def test_formulas_are_computed_when_the_workbook_opens(xlsx_bytes: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes)) as archive:
        assert 'fullCalcOnLoad="1"' in archive.read("xl/workbook.xml").decode()


def test_overdue_sheet_lists_every_case_longest_first_in_local_time(
    xlsx_bytes: bytes, bulletin: Bulletin
) -> None:
    ws = _book(xlsx_bytes)["超期案卷"]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    cases = overdue_in_order(bulletin.overdue)
    assert len(rows) == len(bulletin.overdue) == 150
    assert [row[1] for row in rows] == [case.case_no for case in cases]
    first = cases[0]
    assert rows[0] == (
        1,
        first.case_no,
        first.category,
        first.address,
        first.department,
        first.deadline.astimezone(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None),
        first.overdue_hours,
    )
    assert ws["F3"].number_format == "yyyy-mm-dd hh:mm"


def test_sheet_names_follow_excels_rules() -> None:
    bulletin = make_bulletin(districts=3, streets=3, departments=3, overdue=0)
    long_title = "各区县（市）城市管理考核综合排名：含网格化/数字化指标与加减分明细"
    tables = (
        bulletin.tables[0].__class__(**{**bulletin.tables[0].__dict__, "title": long_title}),
        bulletin.tables[1].__class__(**{**bulletin.tables[1].__dict__, "title": long_title}),
    )
    book = _book(render_xlsx(bulletin.__class__(**{**bulletin.__dict__, "tables": tables})))
    names = book.sheetnames[1:3]
    assert all(len(name) <= 31 and not set(name) & set("[]:*?/\\") for name in names)
    assert names[0] != names[1]
    assert names[1].endswith("（2）")


@pytest.mark.slow
def test_twenty_thousand_grids_fit_in_one_sheet_with_formulas_intact() -> None:
    bulletin = make_bulletin(grids=20_000, overdue=0)
    started = time.perf_counter()
    data = render_xlsx(bulletin)
    elapsed = time.perf_counter() - started
    grids = bulletin.tables[-1]
    cells = _cells(_book(data, read_only=True)[grids.title])
    assert [cells[f"B{FIRST_ROW + i}"] for i in range(20_000)] == [row.name for row in grids.rows]
    # A RANK needs every score evaluated: check a sample of rows spread over the sheet.
    _check_ranking(cells, grids, sample=range(0, 20_000, 997))
    assert elapsed < 30, f"rendering 20,000 rows took {elapsed:.1f} s"
