"""The Word bulletin: GB/T 9704 page and head, official fonts, every string, tables, charts."""

from __future__ import annotations

import io
import re
import zipfile

import docx
import pytest
from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from finegrid.reports import layout
from finegrid.reports.content import Bulletin
from finegrid.reports.layout import Grid

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _part(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name).decode()


def _document(data: bytes) -> Document:
    return docx.Document(io.BytesIO(data))


def _all_text(document: Document) -> str:
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            texts.extend(cell.text for cell in row.cells)
    return "\n".join(texts)


def _style_xml(styles: str, style_id: str) -> str:
    match = re.search(rf'<w:style [^>]*w:styleId="{style_id}".*?</w:style>', styles)
    assert match is not None, style_id
    return match.group(0)


def test_page_is_a4_with_the_gb_t_9704_margins(docx_bytes: bytes) -> None:
    xml = _part(docx_bytes, "word/document.xml")
    assert '<w:pgSz w:w="11906" w:h="16838"/>' in xml  # 210 × 297 mm in twips
    margins = re.search(r"<w:pgMar ([^>]*)/>", xml)
    assert margins is not None
    twips = dict(re.findall(r'w:(\w+)="(\d+)"', margins.group(1)))
    for side, mm in (("top", 37), ("left", 28), ("bottom", 35), ("right", 26)):
        assert int(twips[side]) == pytest.approx(mm / 25.4 * 1440, abs=1)


def test_head_has_the_red_mark_the_number_and_a_red_rule(
    docx_bytes: bytes, bulletin: Bulletin
) -> None:
    document = _document(docx_bytes)
    mark, number, title, addressee = document.paragraphs[:4]
    assert mark.text == "示范市城市管理局文件"
    assert mark.style is not None
    assert mark.style.name == "发文机关标志"
    assert str(mark.style.font.color.rgb) == "FF0000"
    assert mark.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert number.text == bulletin.document_number == "示城管〔2026〕12号"
    border = number._p.find(f"{W}pPr/{W}pBdr/{W}bottom")
    assert border is not None
    assert border.get(f"{W}color") == "FF0000"
    assert title.text == bulletin.title
    assert addressee.text == "各区人民政府，市直各有关单位："


def test_styles_name_the_official_fonts_for_chinese_text(docx_bytes: bytes) -> None:
    styles = _part(docx_bytes, "word/styles.xml")
    expected = {
        "GongwenBody": ("仿宋_GB2312", "32"),  # sizes in half-points: 16 pt
        "GongwenTitle": ("方正小标宋简体", "44"),  # 22 pt
        "GongwenMark": ("方正小标宋简体", None),
        "GongwenHeading1": ("黑体", "32"),
        "GongwenHeading2": ("楷体_GB2312", "32"),
        "GongwenClosing": ("仿宋_GB2312", "28"),  # 14 pt
        "GongwenPageNumber": ("宋体", "28"),
    }
    for style_id, (font, size) in expected.items():
        xml = _style_xml(styles, style_id)
        assert f'w:eastAsia="{font}"' in xml, style_id
        assert "Theme" not in xml, style_id
        if size is not None:
            assert f'<w:sz w:val="{size}"/>' in xml, style_id
    assert 'w:color w:val="FF0000"' in _style_xml(styles, "GongwenMark")


def test_body_paragraphs_indent_two_characters(docx_bytes: bytes) -> None:
    body = _style_xml(_part(docx_bytes, "word/styles.xml"), "GongwenBody")
    assert 'w:firstLineChars="200"' in body
    assert 'w:firstLine="640"' in body  # 32 pt in twips
    assert 'w:line="579" w:lineRule="exact"' in body  # 28.95 pt: 22 lines on the page


def test_headings_are_outline_levels_in_heiti_and_kaiti(docx_bytes: bytes) -> None:
    document = _document(docx_bytes)
    by_style: dict[str, list[str]] = {}
    for paragraph in document.paragraphs:
        assert paragraph.style is not None
        by_style.setdefault(str(paragraph.style.name), []).append(paragraph.text)
    assert by_style["公文一级标题"] == [
        "一、总体情况",
        "二、排名情况",
        "三、表扬",
        "四、批评",
        "五、超期案卷",
        "六、更正说明",
    ]
    assert by_style["公文二级标题"] == [
        "（一）各区综合考核排名",
        "（二）各街道综合考核排名",
        "（三）专业部门处置考核排名",
    ]
    styles = _part(docx_bytes, "word/styles.xml")
    assert '<w:outlineLvl w:val="0"/>' in _style_xml(styles, "GongwenHeading1")
    assert '<w:outlineLvl w:val="1"/>' in _style_xml(styles, "GongwenHeading2")


def test_every_string_of_the_content_is_in_the_document(
    docx_bytes: bytes, bulletin: Bulletin
) -> None:
    text = _all_text(_document(docx_bytes))
    expected = [
        bulletin.title,
        bulletin.document_number,
        bulletin.issuer,
        bulletin.printer,
        bulletin.scheme_label,
        bulletin.run_label,
        bulletin.copy_to,
        *bulletin.commended,
        *bulletin.criticised,
        *bulletin.notes,
        *(label for label, _, _ in bulletin.totals),
        *(table.title for table in bulletin.tables),
        *(item.label for table in bulletin.tables for item in table.items),
        "2026年11月21日",
        "2026年11月21日印发",
        "附件：2026年10月城市管理考核月排名明细表",
    ]
    for table in bulletin.tables:
        shown = layout.excerpt(table.rows, limit=60, head_tail=30)
        expected.extend(row.name for row in shown.rows)
    for case in layout.overdue_in_order(bulletin.overdue)[:100]:
        expected.extend((case.case_no, case.category, case.address, case.department))
    missing = [s for s in expected if s not in text]
    assert missing == []


def test_a_long_ranking_prints_sixty_rows_and_points_to_the_workbook(
    docx_bytes: bytes, bulletin: Bulletin
) -> None:
    document = _document(docx_bytes)
    streets = bulletin.tables[1]
    table = next(t for t in document.tables if t.rows[1].cells[1].text == streets.rows[0].name)
    assert len(table.rows) == 1 + 60 + 1  # header, 60 subjects, the gap row
    assert table.rows[31].cells[0].text == "……（中间140个略）……"
    assert [table.rows[i].cells[1].text for i in (30, 32, 61)] == [
        streets.rows[29].name,
        streets.rows[-30].name,
        streets.rows[-1].name,
    ]
    text = _all_text(document)
    assert "注：共200个考核对象，表中列出前30名和后30名，其余见Excel附表。" in text
    assert streets.rows[100].name not in text


def test_ranking_rows_carry_score_grade_values_and_rank_change(
    docx_bytes: bytes, bulletin: Bulletin
) -> None:
    document = _document(docx_bytes)
    districts = bulletin.tables[0]
    table = document.tables[0]
    assert [cell.text for cell in table.rows[0].cells] == [
        "排名",
        "名称",
        "得分",
        "等级",
        "监督举报率\n（%）",
        "案件数\n（件）",
        "结案率\n（%）",
        "按期结案率\n（%）",
        "升降",
    ]
    for table_row, row in zip(table.rows[1:], districts.rows, strict=True):
        cells = [cell.text for cell in table_row.cells]
        assert cells[:4] == [str(row.rank), row.name, f"{row.score:.2f}", row.grade]
        assert cells[-1] == layout.rank_change(row.rank_change)
    header = table.rows[0]._tr.find(f"{W}trPr/{W}tblHeader")
    assert header is not None  # the header repeats on each page


def test_overdue_list_is_capped_with_a_count_of_the_rest(
    docx_bytes: bytes, bulletin: Bulletin
) -> None:
    document = _document(docx_bytes)
    table = document.tables[-1]
    assert [cell.text for cell in table.rows[0].cells][:3] == ["序号", "案卷号", "类别"]
    assert len(table.rows) == 101
    worst = layout.overdue_in_order(bulletin.overdue)[0]
    assert table.rows[1].cells[1].text == worst.case_no
    assert table.rows[1].cells[6].text == f"{worst.overdue_hours:.1f}"
    assert "另有50件超期案卷未在此列出，详见Excel附表。" in _all_text(document)


def test_charts_are_embedded_as_images(docx_bytes: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as archive:
        images = [n for n in archive.namelist() if n.startswith("word/media/")]
        assert all(archive.read(n)[:8] == b"\x89PNG\r\n\x1a\n" for n in images)
    # A score chart per ranking and the districts' rate chart.
    assert len(images) == 4
    assert len(_document(docx_bytes).inline_shapes) == 4


def test_page_numbers_are_page_fields_odd_right_even_left(docx_bytes: bytes) -> None:
    settings = _part(docx_bytes, "word/settings.xml")
    assert "<w:evenAndOddHeaders/>" in settings
    section = _document(docx_bytes).sections[0]
    for footer, alignment in ((section.footer, "right"), (section.even_page_footer, "left")):
        xml = footer._element.xml
        assert "<w:instrText" in xml
        assert " PAGE " in xml
        assert f'<w:jc w:val="{alignment}"/>' in xml
        assert footer.paragraphs[0].text.startswith("— ")
        assert footer.paragraphs[0].text.endswith(" —")


def test_closing_part_sits_between_lines_in_size_four(docx_bytes: bytes) -> None:
    document = _document(docx_bytes)
    copy_to, printed = document.paragraphs[-2:]
    assert copy_to.text == "抄送：市委办公厅，市人大常委会办公厅，市政府办公厅。"
    assert printed.text == "示范市城市管理局办公室\t2026年11月21日印发"
    assert copy_to._p.find(f"{W}pPr/{W}pBdr/{W}top") is not None
    assert printed._p.find(f"{W}pPr/{W}pBdr/{W}bottom") is not None
    assert copy_to.style is not None
    assert copy_to.style.name == "版记"


def test_signature_is_right_aligned_with_the_date_four_characters_in(docx_bytes: bytes) -> None:
    paragraphs = _document(docx_bytes).paragraphs
    texts = [p.text for p in paragraphs]
    date = paragraphs[texts.index("2026年11月21日")]
    issuer = paragraphs[texts.index("2026年11月21日") - 1]
    assert issuer.text == "示范市城市管理局"
    assert date.paragraph_format.right_indent is not None
    assert date.paragraph_format.right_indent.pt == 64  # four 16 pt characters
    assert issuer.paragraph_format.right_indent is not None
    assert issuer.paragraph_format.right_indent.pt == 56


def test_table_columns_fill_the_text_block_and_fit_their_numbers() -> None:
    grid = Grid(
        columns=("排名", "名称", "得分"),
        rows=(("1", "江汉区", "96.20"), ("2", "东西湖区街道办事处", "90.10")),
        kinds=("number", "text", "number"),
    )
    widths = layout.column_widths(grid, padding_pt=12.5, half_em=0.68)
    text_width_pt = layout.TEXT_WIDTH_MM / 25.4 * 72
    assert sum(widths) == pytest.approx(text_width_pt)
    assert widths[1] > widths[0] + widths[2]  # the name takes what the numbers leave


def test_properties_name_the_document_and_its_date(docx_bytes: bytes, bulletin: Bulletin) -> None:
    properties = _document(docx_bytes).core_properties
    assert properties.title == bulletin.title
    assert properties.author == "示范市城市管理局"
    assert properties.subject == "示城管〔2026〕12号"
    assert properties.created is not None
    assert properties.created.date() == bulletin.issued_on
