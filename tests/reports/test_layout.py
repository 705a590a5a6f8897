"""The outline both printed documents follow: wording, numbering, limits and page facts."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from finegrid.reports import layout
from finegrid.reports.content import Bulletin, BulletinKind
from finegrid.reports.layout import Chart, Grid, Heading, Paragraph
from finegrid.reports.render import FORMATS, filename
from tests.reports.factories import (
    AREA_ITEMS,
    DEPARTMENT_ITEMS,
    INSPECTOR_ITEMS,
    make_bulletin,
    make_overdue,
    make_table,
)


@pytest.mark.parametrize(
    ("n", "text"),
    [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (35, "三十五"), (99, "九十九")],
)
def test_chinese_numerals_number_headings(n: int, text: str) -> None:
    assert layout.chinese_numeral(n) == text


def test_chinese_numerals_refuse_what_headings_never_need() -> None:
    with pytest.raises(ValueError, match="1 to 99"):
        layout.chinese_numeral(0)


@pytest.mark.parametrize(
    ("change", "text"), [(2, "↑2"), (-1, "↓1"), (0, "—"), (None, "新"), (12, "↑12")]
)
def test_rank_change_reads_as_arrows(change: int | None, text: str) -> None:
    assert layout.rank_change(change) == text


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (93.7249, "%", "93.72"),
        (996.0, "件", "996"),
        (12.5, "件", "12.5"),
        (36.04, "小时", "36.0"),
        (88.125, "分", "88.12"),
        (None, "%", "—"),
    ],
)
def test_numbers_are_printed_per_unit(value: float | None, unit: str, text: str) -> None:
    assert layout.number(value, unit) == text


def test_dates_use_arabic_numerals_without_leading_zeros() -> None:
    assert layout.chinese_date(dt.date(2026, 3, 5)) == "2026年3月5日"


def test_excel_rounding_takes_halves_away_from_zero() -> None:
    assert layout.round_half_up(2.675) == 2.68  # float 2.675 is 2.67499…; Excel still says 2.68
    assert layout.round_half_up(-1.005) == -1.01


def test_a_ranking_up_to_sixty_rows_is_printed_whole() -> None:
    rows = make_table("street", "街道", 60, AREA_ITEMS).rows
    shown = layout.excerpt(rows, limit=60, head_tail=30)
    assert shown.rows == rows
    assert shown.omitted == 0


def test_a_longer_ranking_prints_the_best_thirty_and_the_worst_thirty() -> None:
    rows = make_table("street", "街道", 61, AREA_ITEMS).rows
    shown = layout.excerpt(rows, limit=60, head_tail=30)
    assert shown.head == rows[:30]
    assert shown.tail == rows[-30:]
    assert shown.omitted == 1


def test_rate_items_are_the_two_heaviest_in_table_order() -> None:
    districts = make_table("district", "各区", 3, AREA_ITEMS)
    departments = make_table("department", "部门", 3, DEPARTMENT_ITEMS)
    pair = layout.rate_items(districts)
    assert pair is not None
    assert [item.label for item in pair] == ["结案率", "按期结案率"]
    pair = layout.rate_items(departments)
    assert pair is not None
    assert [item.label for item in pair] == ["结案率", "按期处置率"]
    inspectors = make_table("inspector", "监督员", 3, INSPECTOR_ITEMS[:1])
    assert layout.rate_items(inspectors) is None


def test_the_mark_shrinks_only_when_the_organ_name_is_long() -> None:
    assert layout.mark_size_pt("示范市城市管理局文件") == 36.0
    long_mark = "示范市城市管理综合执法委员会数字化城市管理监督指挥中心文件"
    size = layout.mark_size_pt(long_mark)
    assert size < 36.0
    text_width_pt = layout.TEXT_WIDTH_MM / 25.4 * 72
    assert size * len(long_mark) <= text_width_pt


def test_signature_sits_four_characters_from_the_edge_with_the_issuer_centred_above() -> None:
    issuer_indent, date_indent = layout.signature_indents("示范市城市管理局", "2026年11月21日")
    assert date_indent == 4.0
    # The date is 7 characters wide (8 half-width digits), the issuer 8: half a character less.
    assert issuer_indent == 3.5


def _headings(bulletin: Bulletin) -> list[str]:
    return [b.text for b in layout.outline(bulletin).blocks if isinstance(b, Heading)]


def test_outline_numbers_its_sections_in_order() -> None:
    assert _headings(make_bulletin()) == [
        "一、总体情况",
        "二、排名情况",
        "（一）各区综合考核排名",
        "（二）各街道综合考核排名",
        "（三）专业部门处置考核排名",
        "三、表扬",
        "四、批评",
        "五、超期案卷",
        "六、更正说明",
    ]


def test_sections_without_content_are_left_out_and_the_numbers_close_up() -> None:
    bulletin = dataclasses.replace(make_bulletin(), commended=(), notes=())
    assert [h for h in _headings(bulletin) if "（" not in h] == [
        "一、总体情况",
        "二、排名情况",
        "三、批评",
        "四、超期案卷",
    ]


def test_the_head_and_closing_parts_follow_gb_t_9704() -> None:
    plan = layout.outline(make_bulletin())
    assert plan.mark == "示范市城市管理局文件"
    assert plan.number == "示城管〔2026〕12号"
    assert plan.addressee == "各区人民政府，市直各有关单位："
    assert plan.date == "2026年11月21日"
    assert plan.copy_to == "抄送：市委办公厅，市人大常委会办公厅，市政府办公厅。"
    assert plan.printed_on == "2026年11月21日印发"
    assert plan.attachment == "附件：2026年10月城市管理考核月排名明细表"


def test_overview_states_the_totals_and_where_the_figures_come_from() -> None:
    blocks = layout.outline(make_bulletin()).blocks
    assert blocks[1] == Paragraph(
        "2026年10月（2026年10月1日至2026年10月31日），全市立案996件，应结案972件，"
        "结案911件，结案率93.72%，按期结案737件，按期结案率75.82%。"
    )
    assert blocks[2] == Paragraph(
        "考核办法：2026年区域考核办法（第2版）；数据来源：考核批次 #12，2026年11月1日 02:00 计算。",
        style="source",
    )


def test_a_long_ranking_is_cut_with_a_gap_row_and_a_pointer_to_the_workbook() -> None:
    bulletin = make_bulletin(streets=200)
    streets = bulletin.tables[1]
    blocks = list(layout.outline(bulletin).blocks)
    grid = next(b for b in blocks if isinstance(b, Grid) and b.rows[0][1] == streets.rows[0].name)
    assert len(grid.rows) == 60
    assert grid.omitted_after == 29
    assert grid.omitted_label == "……（中间140个略）……"
    assert [row[1] for row in grid.rows] == [r.name for r in streets.rows[:30] + streets.rows[-30:]]
    note = blocks[blocks.index(grid) + 1]
    assert note == Paragraph(
        "注：共200个考核对象，表中列出前30名和后30名，其余见Excel附表。", style="note"
    )


def test_ranking_rows_print_rank_name_score_grade_values_and_change() -> None:
    bulletin = make_bulletin()
    districts = bulletin.tables[0]
    grid = next(b for b in layout.outline(bulletin).blocks if isinstance(b, Grid))
    assert grid.columns == (
        "排名",
        "名称",
        "得分",
        "等级",
        "监督举报率（%）",
        "案件数（件）",
        "结案率（%）",
        "按期结案率（%）",
        "升降",
    )
    first = districts.rows[0]
    assert grid.rows[0][:4] == (str(first.rank), first.name, f"{first.score:.2f}", first.grade)
    assert grid.rows[0][4] == f"{first.item_values['public_report_rate']:.2f}"
    assert grid.rows[0][-1] == layout.rank_change(first.rank_change)
    # The factory leaves the fourth subject's last indicator empty: nothing was due.
    assert grid.rows[[r.name for r in districts.rows].index(_fourth(bulletin))][7] == "—"


def _fourth(bulletin: Bulletin) -> str:
    return next(
        r.name for r in bulletin.tables[0].rows if r.item_values["on_time_close_rate"] is None
    )


def test_every_ranking_has_a_score_chart_and_only_the_headline_one_a_rate_chart() -> None:
    bulletin = make_bulletin()
    charts = [
        (b.table.title, b.chart) for b in layout.outline(bulletin).blocks if isinstance(b, Chart)
    ]
    assert charts == [
        ("各区综合考核排名", "scores"),
        ("各区综合考核排名", "rates"),
        ("各街道综合考核排名", "scores"),
        ("专业部门处置考核排名", "scores"),
    ]


def test_overdue_cases_are_listed_longest_first_and_capped_at_one_hundred() -> None:
    bulletin = make_bulletin(overdue=150)
    blocks = list(layout.outline(bulletin).blocks)
    grid = next(b for b in blocks if isinstance(b, Grid) and b.columns[0] == "序号")
    hours = [float(row[-1]) for row in grid.rows]
    assert len(grid.rows) == 100
    assert hours == sorted(hours, reverse=True)
    assert max(hours) == round(max(c.overdue_hours for c in bulletin.overdue), 1)
    assert blocks[blocks.index(grid) + 1] == Paragraph(
        "另有50件超期案卷未在此列出，详见Excel附表。", style="note"
    )


def test_deadlines_are_wall_clock_time_in_the_city() -> None:
    case = make_overdue(1)[0]  # 2026-10-20 09:00 UTC
    assert layout.deadline_text(case.deadline, 2026) == "10-20 17:00"
    assert layout.deadline_text(case.deadline, 2027) == "2026-10-20 17:00"


def test_no_overdue_cases_is_said_in_words() -> None:
    bulletin = dataclasses.replace(make_bulletin(), overdue=())
    texts = [b.text for b in layout.outline(bulletin).blocks if isinstance(b, Paragraph)]
    assert "截至2026年10月31日，无超过处置时限仍未结案的案卷。" in texts


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        (BulletinKind.WEEKLY, "2026年10月城市管理考核周通报.pdf"),
        (BulletinKind.MONTHLY, "2026年10月城市管理考核月排名.pdf"),
        (BulletinKind.QUARTERLY, "2026年10月城市管理考核季考核.pdf"),
        (BulletinKind.YEARLY, "2026年10月城市管理考核年度考核.pdf"),
    ],
)
def test_file_names_say_period_and_kind(kind: BulletinKind, name: str) -> None:
    bulletin = dataclasses.replace(make_bulletin(), kind=kind)
    assert filename(bulletin, "pdf") == name


def test_file_names_drop_characters_no_file_system_takes() -> None:
    bulletin = dataclasses.replace(make_bulletin(), period_label="2026年第3/4周")
    assert filename(bulletin, "docx") == "2026年第34周城市管理考核月排名.docx"


def test_formats_map_to_renderer_content_type_and_extension() -> None:
    assert {name: (f.content_type, f.extension) for name, f in FORMATS.items()} == {
        "docx": (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
        ),
        "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
        "pdf": ("application/pdf", "pdf"),
    }
    assert FORMATS["xlsx"].renderer.__name__ == "render_xlsx"
