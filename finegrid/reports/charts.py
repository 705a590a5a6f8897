"""The bulletins' charts, drawn with matplotlib's Agg and SVG canvases in a CJK font.

Figures are built without pyplot (no global figure registry, safe in a long-running worker). A
chart whose text the CJK font cannot draw is refused: a bulletin never shows tofu boxes.
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final

import matplotlib as mpl
from matplotlib import font_manager
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.typing import RcKeyType

from finegrid.reports.content import Row, Table
from finegrid.reports.layout import TEXT_WIDTH_MM, chart_excerpt, display_width, rate_items

# Sans faces read best at chart sizes; the serif and Kai/Ming faces are accepted stand-ins.
CJK_FAMILIES: Final = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Serif CJK SC",
    "AR PL UMing CN",
    "AR PL UKai CN",
)
FONT_PACKAGE: Final = "fonts-noto-cjk"

WIDTH_IN: Final = TEXT_WIDTH_MM / 25.4  # the text block's width: images are shown at 1:1
MAX_HEIGHT_IN: Final = 8.6  # the text block is 225 mm (8.86 in) tall
PNG_DPI: Final = 200
GRADE_COLOURS: Final = {
    "A": "#2e7d32",
    "B": "#1565c0",
    "C": "#f9a825",
    "D": "#ef6c00",
    "E": "#c62828",
}
OTHER_GRADE_COLOUR: Final = "#757575"
RATE_COLOURS: Final = ("#1565c0", "#90caf9")


class CJKFontMissing(RuntimeError):
    """No font able to draw Chinese is installed where the charts are drawn."""


class GlyphMissing(RuntimeError):
    """A chart's text holds a character the CJK font has no glyph for."""


def _fontconfig_cjk_files() -> list[str]:
    """Files fontconfig knows to cover Chinese, for when matplotlib's font cache predates them."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    result = subprocess.run(
        [fc_list, "--format", "%{file}\n", ":lang=zh"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    return sorted({line for line in result.stdout.splitlines() if line.strip()})


def find_cjk_family(families: Sequence[str] = CJK_FAMILIES) -> str:
    """The first of `families` that matplotlib can use, or `CJKFontMissing` naming the package."""

    def known() -> set[str]:
        return {entry.name for entry in font_manager.fontManager.ttflist}

    names = known()
    for family in families:
        if family in names:
            return family
    known_files = {str(entry.fname) for entry in font_manager.fontManager.ttflist}
    for path in _fontconfig_cjk_files():
        if path not in known_files:
            font_manager.fontManager.addfont(path)
    names = known()
    for family in families:
        if family in names:
            return family
    raise CJKFontMissing(
        "No Chinese font for the bulletin charts (looked for "
        + ", ".join(families)
        + f"). Install Debian's {FONT_PACKAGE} package (apt-get install {FONT_PACKAGE}); "
        "fonts-wqy-zenhei or fonts-arphic-uming also work."
    )


@functools.cache
def cjk_family() -> str:
    return find_cjk_family()


def check_glyphs(family: str, texts: Iterable[str]) -> None:
    """Refuse text the font cannot draw, instead of letting matplotlib draw empty boxes."""
    path = font_manager.findfont(
        font_manager.FontProperties(family=family), fallback_to_default=False
    )
    font = font_manager.get_font(path)
    missing = sorted(
        {
            ch
            for text in texts
            for ch in text
            if not ch.isspace() and font.get_char_index(ord(ch)) == 0
        }
    )
    if missing:
        listed = "".join(missing)
        raise GlyphMissing(
            f"The font {family} has no glyph for {listed!r} (U+{ord(missing[0]):04X}…)"
        )


def _rc(family: str) -> dict[RcKeyType, Any]:
    return {
        "font.family": [family],
        "font.size": 9,
        "axes.unicode_minus": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "svg.fonttype": "path",  # no fonts in the PDF's charts: glyphs become outlines
        "svg.hashsalt": "finegrid-bulletin",  # stable ids, so equal charts give equal SVG
    }


# rcParams are process-wide: two threads drawing at once would swap each other's settings.
_DRAWING = threading.Lock()


@contextmanager
def _style() -> Iterator[str]:
    family = cjk_family()
    with _DRAWING, mpl.rc_context(_rc(family)):
        yield family


def _row_label(row: Row) -> str:
    return f"{row.rank}  {row.name}"


def _positions(head: int, tail: int) -> list[float]:
    """Bar positions top to bottom, with one empty slot between the best and the worst."""
    positions = [float(i) for i in range(head)]
    positions += [float(head + 1 + i) for i in range(tail)]
    return positions


def _height(rows: int, *, per_row: float) -> float:
    """Inches: room for the title, axis and legend, then the bars; never taller than a page."""
    return max(2.2, min(MAX_HEIGHT_IN, 1.3 + per_row * rows))


def _axes(height: float, labels: list[str]) -> tuple[Figure, Axes]:
    """A figure with margins worked out from the labels' widths.

    matplotlib's constrained layout would measure every text twice per save, which costs more
    than drawing the chart; CJK text widths are predictable enough to lay out by hand.
    """
    fig = Figure(figsize=(WIDTH_IN, height))
    label_in = max(display_width(label) for label in labels) * 9 / 72 + 0.2
    fig.subplots_adjust(
        left=min(0.45, label_in / WIDTH_IN),
        right=0.97,
        top=1 - 0.42 / height,
        bottom=0.85 / height,
    )
    return fig, fig.add_subplot()


def _legend(fig: Figure, handles: Sequence[Artist] | None = None) -> None:
    kwargs: dict[str, Any] = {"handles": handles} if handles is not None else {}
    fig.legend(
        loc="lower center",
        bbox_to_anchor=(0.5, 0.0),
        ncols=len(handles) if handles is not None else 2,
        frameon=False,
        fontsize=8,
        **kwargs,
    )


def _subject_axis(ax: Axes, y: list[float], labels: list[str]) -> None:
    """Subjects down the left, the best at the top, without empty bands above and below."""
    ax.set_yticks(y, labels)
    ax.set_ylim(max(y) + 0.6, min(y) - 0.6)


def _gap_note(ax: Axes, position: int, omitted: int) -> None:
    ax.text(1, position, f"……中间{omitted}个略……", va="center", fontsize=8, color="#555555")


def score_chart(table: Table) -> Figure:
    """Horizontal bars of the composite scores, best at the top, coloured by grade."""
    shown = chart_excerpt(table)
    rows = shown.rows
    title = f"{table.title}：综合得分"
    if shown.omitted:
        title += f"（前{len(shown.head)}名与后{len(shown.tail)}名）"
    labels = [_row_label(row) for row in rows]
    with _style() as family:
        check_glyphs(family, [title, *labels])
        height = _height(len(rows) + (1 if shown.omitted else 0), per_row=0.24)
        fig, ax = _axes(height, labels)
        y = _positions(len(shown.head), len(shown.tail))
        colours = [GRADE_COLOURS.get(row.grade, OTHER_GRADE_COLOUR) for row in rows]
        bars = ax.barh(y, [row.score for row in rows], height=0.7, color=colours)
        ax.bar_label(bars, labels=[f"{row.score:.2f}" for row in rows], padding=2, fontsize=8)
        _subject_axis(ax, y, labels)
        top = max([100.0, *(row.score for row in rows)])
        ax.set_xlim(0, top * 1.1)
        ax.set_xlabel("综合得分（分）")
        ax.set_title(title, fontsize=11)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        if shown.omitted:
            _gap_note(ax, len(shown.head), shown.omitted)
        grades = sorted({row.grade for row in rows if row.grade in GRADE_COLOURS})
        if grades:
            handles = [Patch(color=GRADE_COLOURS[g], label=f"{g}级") for g in grades]
            _legend(fig, handles)
    return fig


def rate_chart(table: Table) -> Figure:
    """Grouped bars of the table's first two rate items (e.g. close rate, on-time close rate)."""
    items = rate_items(table)
    if items is None:
        raise ValueError(f"{table.title}: fewer than two rate items to compare")
    shown = chart_excerpt(table)
    rows = shown.rows
    title = f"{table.title}：{items[0].label}与{items[1].label}"
    if shown.omitted:
        title += f"（前{len(shown.head)}名与后{len(shown.tail)}名）"
    labels = [_row_label(row) for row in rows]
    with _style() as family:
        check_glyphs(family, [title, *labels, *(item.label for item in items)])
        slots = len(rows) + (1 if shown.omitted else 0)
        height = _height(slots, per_row=0.3)
        fig, ax = _axes(height, labels)
        y = _positions(len(shown.head), len(shown.tail))
        bar_height = 0.38
        for offset, item, colour in zip((-0.5, 0.5), items, RATE_COLOURS, strict=True):
            values = [row.item_values.get(item.code) for row in rows]
            bars = ax.barh(
                [pos + offset * bar_height for pos in y],
                [value if value is not None else 0.0 for value in values],
                height=bar_height,
                color=colour,
                label=item.label,
            )
            ax.bar_label(
                bars,
                labels=[f"{value:.1f}" if value is not None else "—" for value in values],
                padding=2,
                fontsize=7,
            )
        _subject_axis(ax, y, labels)
        ax.set_xlim(0, 112)
        ax.set_xlabel("百分比（%）")
        ax.set_title(title, fontsize=11)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        if shown.omitted:
            _gap_note(ax, len(shown.head), shown.omitted)
        _legend(fig)
    return fig


def png(fig: Figure) -> bytes:
    """The figure as PNG for Word (which shows SVG only in recent versions)."""
    buffer = io.BytesIO()
    with _style():
        FigureCanvasAgg(fig)
        fig.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
    return buffer.getvalue()


def svg(fig: Figure) -> str:
    """The figure as an SVG element (no XML prolog) with text drawn as outlines."""
    buffer = io.StringIO()
    with _style():
        FigureCanvasSVG(fig)
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]
