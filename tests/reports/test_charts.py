"""Charts: a CJK font or a clear refusal, the right bars in the right order, PNG and SVG out."""

from __future__ import annotations

import dataclasses
import io
import re

import pytest
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from PIL import Image

from finegrid.reports import charts
from finegrid.reports.content import Table
from tests.reports.factories import AREA_ITEMS, INSPECTOR_ITEMS, make_table


def _axes(figure: Figure) -> Axes:
    (axes,) = figure.axes
    return axes


def _labels(ax: Axes) -> list[str]:
    return [label.get_text() for label in ax.get_yticklabels()]


def test_no_cjk_font_is_refused_with_the_package_to_install() -> None:
    with pytest.raises(charts.CJKFontMissing, match="apt-get install fonts-noto-cjk"):
        charts.find_cjk_family(("No Such Font SC",))


def test_the_cjk_font_found_is_one_of_the_known_families(cjk_font: str) -> None:
    assert cjk_font in charts.CJK_FAMILIES


def test_text_the_font_cannot_draw_is_refused_rather_than_boxed(cjk_font: str) -> None:
    table = make_table("district", "各区综合考核排名", 5, AREA_ITEMS)
    odd = dataclasses.replace(table.rows[2], name="\U000f0001区")  # a private-use character
    table = dataclasses.replace(table, rows=(*table.rows[:2], odd, *table.rows[3:]))
    with pytest.raises(charts.GlyphMissing, match="U\\+F0001"):
        charts.score_chart(table)


def test_score_chart_of_a_short_table_shows_every_row_best_first(cjk_font: str) -> None:
    table = make_table("district", "各区综合考核排名", 10, AREA_ITEMS)
    ax = _axes(charts.score_chart(table))
    assert _labels(ax) == [f"{row.rank}  {row.name}" for row in table.rows]
    (bars,) = ax.containers
    assert isinstance(bars, BarContainer)
    assert [round(bar.get_width(), 2) for bar in bars] == [row.score for row in table.rows]
    # The best is drawn at the top: the y axis runs downwards.
    low, high = ax.get_ylim()
    assert low > high
    assert ax.get_title() == "各区综合考核排名：综合得分"


def test_score_chart_of_a_long_table_shows_the_best_and_the_worst_fifteen(cjk_font: str) -> None:
    table = make_table("grid", "单元网格考核排名", 500, AREA_ITEMS)
    figure = charts.score_chart(table)
    assert figure.get_figheight() * 25.4 <= 225  # fits the text block's height
    ax = _axes(figure)
    shown = table.rows[:15] + table.rows[-15:]
    assert _labels(ax) == [f"{row.rank}  {row.name}" for row in shown]
    assert ax.get_title() == "单元网格考核排名：综合得分（前15名与后15名）"
    assert any(text.get_text() == "……中间470个略……" for text in ax.texts)


def test_rate_chart_groups_the_two_heaviest_rates_per_subject(cjk_font: str) -> None:
    table = make_table("district", "各区综合考核排名", 10, AREA_ITEMS)
    figure = charts.rate_chart(table)
    ax = _axes(figure)
    first, second = ax.containers
    assert isinstance(first, BarContainer)
    assert isinstance(second, BarContainer)
    assert [round(bar.get_width(), 2) for bar in first] == [
        row.item_values["close_rate"] for row in table.rows
    ]
    # A rate with nothing due is drawn as no bar and labelled with a dash.
    expected = [row.item_values["on_time_close_rate"] or 0.0 for row in table.rows]
    assert [round(bar.get_width(), 2) for bar in second] == expected
    legend = figure.legends[0]
    assert [text.get_text() for text in legend.get_texts()] == ["结案率", "按期结案率"]


def test_a_chart_of_one_subject_still_has_room_for_its_title_and_axis(cjk_font: str) -> None:
    table = make_table("district", "各区综合考核排名", 1, AREA_ITEMS)
    figure = charts.score_chart(table)
    ax = _axes(figure)
    assert figure.get_figheight() >= 2.2
    assert ax.get_position().height > 0.2  # the bars get a fifth of the figure at least


def test_rate_chart_needs_two_rates() -> None:
    table = make_table("inspector", "监督员考核排名", 5, INSPECTOR_ITEMS[:1])
    with pytest.raises(ValueError, match="fewer than two rate items"):
        charts.rate_chart(table)


def _table() -> Table:
    return make_table("street", "各街道综合考核排名", 40, AREA_ITEMS)


def test_png_is_as_wide_as_the_text_block_at_print_resolution(cjk_font: str) -> None:
    data = charts.png(charts.score_chart(_table()))
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    # 156 mm at 200 dpi.
    assert image.width == pytest.approx(156 / 25.4 * 200, abs=2)


def test_svg_draws_its_text_as_outlines(cjk_font: str) -> None:
    svg = charts.svg(charts.score_chart(_table()))
    assert svg.startswith("<svg")
    assert "<text" not in svg
    assert "font-family" not in svg
    # Each glyph is an outline defined once and placed where the text needs it.
    assert len(re.findall(r"<use ", svg)) > 200


def test_equal_tables_give_equal_svg(cjk_font: str) -> None:
    assert charts.svg(charts.score_chart(_table())) == charts.svg(charts.score_chart(_table()))
