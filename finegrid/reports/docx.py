"""The bulletin as an editable Word document laid out per GB/T 9704 (python-docx).

Styles carry the official font names (仿宋_GB2312, 方正小标宋简体, 黑体, 楷体_GB2312) in
`w:rFonts/@w:eastAsia`, so Word on an official's machine sets Chinese text in them.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Final

import docx as python_docx
from docx.document import Document
from docx.enum.section import WD_ORIENTATION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.styles import CT_Style
from docx.shared import Length, Mm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

from finegrid.reports import charts, layout
from finegrid.reports.content import Bulletin
from finegrid.reports.layout import Chart, Grid, Heading, Outline, Paragraph

BODY: Final = "公文正文"
TITLE: Final = "公文标题"
MARK: Final = "发文机关标志"
NUMBER: Final = "发文字号"
ADDRESSEE: Final = "主送机关"
HEADING_1: Final = "公文一级标题"
HEADING_2: Final = "公文二级标题"
SOURCE: Final = "数据说明"
NOTE: Final = "表注"
CELL: Final = "表格文字"
HEADER_CELL: Final = "表头文字"
FIGURE: Final = "公文图片"
SIGNATURE: Final = "署名日期"
CLOSING: Final = "版记"
PAGE_NUMBER: Final = "公文页码"
# Style ids are ASCII, as Word's own are; the names officials see in the style gallery are Chinese.
STYLE_IDS: Final = {
    BODY: "GongwenBody",
    TITLE: "GongwenTitle",
    MARK: "GongwenMark",
    NUMBER: "GongwenNumber",
    ADDRESSEE: "GongwenAddressee",
    HEADING_1: "GongwenHeading1",
    HEADING_2: "GongwenHeading2",
    SOURCE: "GongwenSource",
    NOTE: "GongwenNote",
    CELL: "GongwenCell",
    HEADER_CELL: "GongwenHeaderCell",
    FIGURE: "GongwenFigure",
    SIGNATURE: "GongwenSignature",
    CLOSING: "GongwenClosing",
    PAGE_NUMBER: "GongwenPageNumber",
}

SHORT_TABLE_ROWS: Final = 15
BLACK: Final = RGBColor(0, 0, 0)
RED: Final = RGBColor.from_string(layout.RED)
# Elements that follow w:pBdr inside w:pPr (ECMA-376 order), so the border lands in its place.
_AFTER_PBDR: Final = (
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)


def render_docx(bulletin: Bulletin) -> bytes:
    plan = layout.outline(bulletin)
    document = python_docx.Document()
    _page_setup(document)
    _define_styles(document)
    _page_numbers(document)
    document.core_properties.title = plan.title
    document.core_properties.author = plan.issuer
    document.core_properties.subject = plan.number
    document.core_properties.comments = f"{bulletin.scheme_label}；{bulletin.run_label}"
    # The template's own dates would say 2013; the document is the issuer's, of its date.
    issued = dt.datetime.combine(bulletin.issued_on, dt.time())
    document.core_properties.created = issued
    document.core_properties.modified = issued
    document.core_properties.last_modified_by = plan.issuer
    document.core_properties.revision = 1

    # The template's empty first paragraph would push the red mark down a line.
    body = document.element.body
    for paragraph in list(body.iterchildren(qn("w:p"))):
        body.remove(paragraph)

    _head(document, plan)
    for block in plan.blocks:
        if isinstance(block, Heading):
            document.add_paragraph(block.text, style=HEADING_1 if block.level == 1 else HEADING_2)
        elif isinstance(block, Paragraph):
            style = {"body": BODY, "source": SOURCE, "note": NOTE}[block.style]
            document.add_paragraph(block.text, style=style)
        elif isinstance(block, Grid):
            _grid(document, block)
        elif isinstance(block, Chart):
            figure = (
                charts.score_chart(block.table)
                if block.chart == "scores"
                else charts.rate_chart(block.table)
            )
            run = document.add_paragraph(style=FIGURE).add_run()
            run.add_picture(io.BytesIO(charts.png(figure)), width=Mm(layout.TEXT_WIDTH_MM))
    _ending(document, plan)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Page and styles


def _page_setup(document: Document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENTATION.PORTRAIT
    section.page_width = Mm(layout.PAGE_WIDTH_MM)
    section.page_height = Mm(layout.PAGE_HEIGHT_MM)
    section.top_margin = Mm(layout.MARGIN_TOP_MM)
    section.bottom_margin = Mm(layout.MARGIN_BOTTOM_MM)
    section.left_margin = Mm(layout.MARGIN_LEFT_MM)
    section.right_margin = Mm(layout.MARGIN_RIGHT_MM)
    section.header_distance = Mm(15)
    # The page number sits about 7 mm below the text block.
    section.footer_distance = Mm(layout.MARGIN_BOTTOM_MM - 7 - 6)


def _set_fonts(element: CT_Style, font: str) -> None:
    """Name `font` for every script of a style and drop the template's theme fonts."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(script), font)
    fonts.set(qn("w:hint"), "eastAsia")
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _style(
    document: Document,
    name: str,
    *,
    font: str,
    size: float,
    line: float | None = layout.LINE_PT,
    indent_chars: float = 0,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.JUSTIFY,
    outline_level: int | None = None,
) -> ParagraphStyle:
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    assert isinstance(style, ParagraphStyle)
    style.style_id = STYLE_IDS[name]
    style.base_style = document.styles["Normal"]
    style.quick_style = True
    style.font.size = Pt(size)
    style.font.color.rgb = BLACK
    style.font.bold = False
    _set_fonts(style.element, font)
    fmt = style.paragraph_format
    fmt.alignment = align
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing = Pt(line) if line is not None else 1.0
    fmt.first_line_indent = Pt(size * indent_chars)
    if indent_chars:
        # Word prefers the indent in characters, which follows the font size.
        ind = style.element.get_or_add_pPr().get_or_add_ind()
        ind.set(qn("w:firstLineChars"), str(int(indent_chars * 100)))
    if outline_level is not None:
        style.element.get_or_add_pPr().get_or_add_outlineLvl().val = outline_level
    return style


def _define_styles(document: Document) -> None:
    normal = document.styles["Normal"]
    assert isinstance(normal, ParagraphStyle)
    normal.font.size = Pt(layout.BODY_PT)
    _set_fonts(normal.element, layout.FONT_BODY)
    # Official documents set 2026年 without the extra gap Word puts between Chinese and digits.
    ppr = normal.element.get_or_add_pPr()
    for name in ("w:autoSpaceDE", "w:autoSpaceDN"):
        switch = OxmlElement(name)
        switch.set(qn("w:val"), "0")
        ppr.insert_element_before(switch, *_AFTER_PBDR[_AFTER_PBDR.index(name) + 1 :])

    _style(document, BODY, font=layout.FONT_BODY, size=layout.BODY_PT, indent_chars=2)
    heading_1 = _style(
        document,
        HEADING_1,
        font=layout.FONT_HEADING_1,
        size=layout.BODY_PT,
        indent_chars=2,
        outline_level=0,
    )
    heading_1.paragraph_format.keep_with_next = True
    heading_2 = _style(
        document,
        HEADING_2,
        font=layout.FONT_HEADING_2,
        size=layout.BODY_PT,
        indent_chars=2,
        outline_level=1,
    )
    heading_2.paragraph_format.keep_with_next = True
    _style(document, SOURCE, font=layout.FONT_BODY, size=12, line=20, indent_chars=2)
    _style(document, NOTE, font=layout.FONT_BODY, size=12, line=20, indent_chars=2)
    _style(
        document,
        CELL,
        font=layout.FONT_BODY,
        size=layout.TABLE_PT,
        line=None,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    _style(
        document,
        HEADER_CELL,
        font=layout.FONT_HEADING_1,
        size=layout.TABLE_PT,
        line=None,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    figure = _style(
        document,
        FIGURE,
        font=layout.FONT_BODY,
        size=layout.BODY_PT,
        line=None,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    figure.paragraph_format.space_before = Pt(6)
    figure.paragraph_format.space_after = Pt(6)
    mark = _style(
        document, MARK, font=layout.FONT_TITLE, size=36, line=None, align=WD_ALIGN_PARAGRAPH.CENTER
    )
    mark.font.color.rgb = RED
    number = _style(
        document,
        NUMBER,
        font=layout.FONT_BODY,
        size=layout.BODY_PT,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    number.paragraph_format.space_before = Pt(layout.LINE_PT * 2)
    title = _style(
        document,
        TITLE,
        font=layout.FONT_TITLE,
        size=layout.TITLE_PT,
        line=35,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    title.paragraph_format.space_before = Pt(layout.LINE_PT * 2)
    title.paragraph_format.space_after = Pt(layout.LINE_PT)
    _style(document, ADDRESSEE, font=layout.FONT_BODY, size=layout.BODY_PT)
    _style(
        document,
        SIGNATURE,
        font=layout.FONT_BODY,
        size=layout.BODY_PT,
        align=WD_ALIGN_PARAGRAPH.RIGHT,
    )
    closing = _style(document, CLOSING, font=layout.FONT_BODY, size=layout.SIZE_4_PT, line=26)
    closing.paragraph_format.left_indent = Pt(layout.SIZE_4_PT)
    closing.paragraph_format.right_indent = Pt(layout.SIZE_4_PT)
    closing.paragraph_format.keep_with_next = True
    _style(
        document,
        PAGE_NUMBER,
        font=layout.FONT_PAGE_NUMBER,
        size=layout.SIZE_4_PT,
        line=None,
    )


def _border(
    paragraph: DocxParagraph,
    *,
    top: tuple[int, str] | None,
    bottom: tuple[int, str] | None,
    space: int = 1,
) -> None:
    """Lines above/below a paragraph: (width in eighths of a point, RRGGBB colour)."""
    ppr = paragraph._p.get_or_add_pPr()
    pbdr = OxmlElement("w:pBdr")
    for side, spec in (("w:top", top), ("w:bottom", bottom)):
        if spec is None:
            continue
        edge = OxmlElement(side)
        edge.set(qn("w:val"), "single")
        edge.set(qn("w:sz"), str(spec[0]))
        edge.set(qn("w:space"), str(space))
        edge.set(qn("w:color"), spec[1])
        pbdr.append(edge)
    ppr.insert_element_before(pbdr, *_AFTER_PBDR)


def _page_number_field(paragraph: DocxParagraph) -> None:
    """— PAGE — as a complex field, which Word and LibreOffice update on every page."""
    paragraph.add_run("— ")
    for kind, instruction in (("begin", None), (None, " PAGE "), ("separate", None)):
        run = paragraph.add_run()
        if kind is not None:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        if instruction is not None:
            text = OxmlElement("w:instrText")
            text.set(qn("xml:space"), "preserve")
            text.text = instruction
            run._r.append(text)
    paragraph.add_run("1")
    end = paragraph.add_run()
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), "end")
    end._r.append(char)
    paragraph.add_run(" —")


def _page_numbers(document: Document) -> None:
    """Odd pages: number at the right; even pages: at the left, one character in from the edge."""
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.style = document.styles[PAGE_NUMBER]
        paragraph.alignment = align
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            paragraph.paragraph_format.right_indent = Pt(layout.SIZE_4_PT)
        else:
            paragraph.paragraph_format.left_indent = Pt(layout.SIZE_4_PT)
        _page_number_field(paragraph)


# ---------------------------------------------------------------------------------------------
# Parts


def _head(document: Document, plan: Outline) -> None:
    mark = document.add_paragraph(plan.mark, style=MARK)
    mark.runs[0].font.size = Pt(plan.mark_pt)
    number = document.add_paragraph(plan.number, style=NUMBER)
    # The red separator: 4 mm under the document number, as wide as the text block.
    _border(number, top=None, bottom=(18, layout.RED), space=11)
    document.add_paragraph(plan.title, style=TITLE)
    document.add_paragraph(plan.addressee, style=ADDRESSEE)


def _grid(document: Document, grid: Grid) -> None:
    extra = 1 if grid.omitted_after is not None else 0
    table = document.add_table(rows=1 + len(grid.rows) + extra, cols=len(grid.columns))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    # Word's autofit would size columns from their contents, but LibreOffice and WPS make them
    # equal: the widths are worked out here, for fonts whose digits may be wide.
    widths = [
        Pt(width) for width in layout.column_widths(grid, padding_pt=2 * 5.76 + 1, half_em=0.68)
    ]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    rows = table.rows
    header = rows[0]
    header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))  # repeats on every page
    _fill(header.cells, grid.columns, HEADER_CELL, grid.kinds, widths)
    # A short table moves whole to the next page rather than leave a row behind.
    keep_together = len(grid.rows) <= SHORT_TABLE_ROWS

    position = 1
    for index, values in enumerate(grid.rows):
        row = rows[position]
        _fill(row.cells, values, CELL, grid.kinds, widths)
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        if keep_together and index < len(grid.rows) - 1:
            for cell in row.cells:
                cell.paragraphs[0].paragraph_format.keep_with_next = True
        position += 1
        if grid.omitted_after == index:
            cells = rows[position].cells
            merged = cells[0].merge(cells[-1])
            paragraph = merged.paragraphs[0]
            paragraph._p.style = STYLE_IDS[CELL]
            paragraph.add_run(grid.omitted_label)
            position += 1
    if keep_together:
        for cell in header.cells:
            cell.paragraphs[0].paragraph_format.keep_with_next = True


def _fill(
    cells: Sequence[_Cell],
    values: tuple[str, ...],
    style: str,
    kinds: tuple[str, ...],
    widths: Sequence[Length],
) -> None:
    # Naming the style by its id: python-docx's lookup by name walks every style, per cell.
    style_id = STYLE_IDS[style]
    for cell, value, kind, width in zip(cells, values, kinds, widths, strict=True):
        cell.width = width  # Word reads the cells' widths, LibreOffice the grid's
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        paragraph = cell.paragraphs[0]
        paragraph._p.style = style_id
        if kind == "text" and style == CELL:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
        if style == HEADER_CELL and "（" in value:
            # The unit on a line of its own keeps the header as narrow as the numbers below.
            label, _, unit = value.partition("（")
            paragraph.add_run(label).add_break()
            paragraph.add_run("（" + unit)
        else:
            paragraph.add_run(value)


def _ending(document: Document, plan: Outline) -> None:
    # GB/T 9704: never a page holding the signature and no text, so the last lines come along.
    document.paragraphs[-1].paragraph_format.keep_with_next = True
    attachment = document.add_paragraph(plan.attachment, style=BODY)
    attachment.paragraph_format.space_before = Pt(layout.LINE_PT)
    attachment.paragraph_format.keep_with_next = True
    attachment.alignment = WD_ALIGN_PARAGRAPH.LEFT

    issuer_indent, date_indent = layout.signature_indents(plan.issuer, plan.date)
    issuer = document.add_paragraph(plan.issuer, style=SIGNATURE)
    issuer.paragraph_format.space_before = Pt(layout.LINE_PT * 2)
    issuer.paragraph_format.right_indent = Pt(layout.BODY_PT * issuer_indent)
    issuer.paragraph_format.keep_with_next = True
    date = document.add_paragraph(plan.date, style=SIGNATURE)
    date.paragraph_format.right_indent = Pt(layout.BODY_PT * date_indent)

    # 版记: a thick line, copy-to, a thin line, printer and printing date, a thick line.
    copy_to = document.add_paragraph(plan.copy_to, style=CLOSING)
    copy_to.paragraph_format.space_before = Pt(layout.LINE_PT * 3)
    _border(copy_to, top=(8, "000000"), bottom=(6, "000000"))
    printed = document.add_paragraph(style=CLOSING)
    printed.paragraph_format.keep_with_next = False
    printed.paragraph_format.tab_stops.add_tab_stop(
        Mm(layout.TEXT_WIDTH_MM) - Pt(layout.SIZE_4_PT), WD_TAB_ALIGNMENT.RIGHT
    )
    printed.add_run(f"{plan.printer}\t{plan.printed_on}")
    _border(printed, top=None, bottom=(8, "000000"))
