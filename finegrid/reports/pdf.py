"""The bulletin as a PDF: the outline through a Django template, laid out by WeasyPrint.

The template is rendered by an engine of its own pointed at this app's templates folder, so the
PDF does not depend on the app being in INSTALLED_APPS or on the project's context processors.
"""

from __future__ import annotations

import base64
import functools
from pathlib import Path
from typing import Any, Final

import weasyprint
from django.template import Engine

from finegrid.reports import charts, layout
from finegrid.reports.content import Bulletin
from finegrid.reports.layout import Block, Chart, Grid, Heading, Outline, Paragraph

TEMPLATES: Final = Path(__file__).resolve().parent / "templates"
TEMPLATE: Final = "reports/bulletin.html"
SHORT_TABLE_ROWS: Final = 15


@functools.cache
def engine() -> Engine:
    return Engine(dirs=[str(TEMPLATES)], autoescape=True)


def render_html(bulletin: Bulletin) -> str:
    """The HTML WeasyPrint lays out (handy to look at in a browser)."""
    plan = layout.outline(bulletin)
    # WeasyPrint falls back silently on a missing glyph; refuse such text before it gets there.
    family = charts.cjk_family()
    charts.check_glyphs(family, _texts(plan))
    issuer_indent, date_indent = layout.signature_indents(plan.issuer, plan.date)
    context = {
        "plan": plan,
        "blocks": [_block(block) for block in plan.blocks],
        "mark_pt": f"{plan.mark_pt:.1f}",
        "issuer_indent": f"{issuer_indent:.2f}",
        "date_indent": f"{date_indent:.2f}",
        "source": f"{bulletin.scheme_label}；{bulletin.run_label}",
        "issued_on": bulletin.issued_on.isoformat(),
    }
    return engine().render_to_string(TEMPLATE, context)


def render_pdf(bulletin: Bulletin) -> bytes:
    html = render_html(bulletin)
    pdf = weasyprint.HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
    assert pdf is not None  # write_pdf returns the bytes when given no target
    return bytes(pdf)


def _percentages(grid: Grid) -> list[float]:
    widths = layout.column_widths(grid, padding_pt=6.5, half_em=0.6, header_wrap_em=None)
    total = sum(widths)
    return [100 * width / total for width in widths]


def _texts(plan: Outline) -> list[str]:
    texts = [
        plan.mark,
        plan.number,
        plan.title,
        plan.addressee,
        plan.attachment,
        plan.issuer,
        plan.date,
        plan.copy_to,
        plan.printer,
        plan.printed_on,
    ]
    for block in plan.blocks:
        if isinstance(block, Heading | Paragraph):
            texts.append(block.text)
        elif isinstance(block, Grid):
            texts.extend(block.columns)
            texts.append(block.omitted_label)
            texts.extend(cell for row in block.rows for cell in row)
    return texts


def _block(block: Block) -> Any:
    """Blocks as the template reads them: grids with a class per cell, charts as SVG data URIs."""
    if isinstance(block, Grid):
        return {
            "kind": "grid",
            # The unit of a column goes on a line of its own, so headers stay narrow.
            "columns": [column.replace("（", "\n（") for column in block.columns],
            "rows": [list(zip(row, block.kinds, strict=True)) for row in block.rows],
            # Column widths from the cells' contents, as in the Word document; a fixed table
            # layout also spares WeasyPrint measuring every cell for an automatic one.
            "widths": [f"{w:.3f}" for w in _percentages(block)],
            # A short table moves whole to the next page rather than leave a row behind.
            "short": len(block.rows) <= SHORT_TABLE_ROWS,
            "omitted_after": block.omitted_after,
            "omitted_label": block.omitted_label,
        }
    if isinstance(block, Chart):
        figure = (
            charts.score_chart(block.table)
            if block.chart == "scores"
            else charts.rate_chart(block.table)
        )
        data = base64.b64encode(charts.svg(figure).encode()).decode("ascii")
        return {
            "kind": "chart",
            "src": f"data:image/svg+xml;base64,{data}",
            "alt": block.table.title,
        }
    return block
