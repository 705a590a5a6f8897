"""The PDF bulletin: A4, page numbers, CJK fonts embedded, every character there, nothing cut."""

from __future__ import annotations

import dataclasses
import io
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader

from finegrid.reports import charts, layout
from finegrid.reports.content import Bulletin
from finegrid.reports.pdf import render_html, render_pdf
from tests.reports.factories import make_bulletin

A4_PT = (595.28, 841.89)


@pytest.fixture(scope="module")
def reader(pdf_bytes: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf_bytes))


@pytest.fixture(scope="module")
def pages(reader: PdfReader) -> list[str]:
    return [page.extract_text() for page in reader.pages]


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_pages_are_a4_and_their_number_is_plausible(reader: PdfReader) -> None:
    # Head and overview, three rankings (60 + 10 + 12 rows) with charts, 100 overdue cases.
    assert 10 <= len(reader.pages) <= 24
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(A4_PT[0], abs=0.5)
        assert float(page.mediabox.height) == pytest.approx(A4_PT[1], abs=0.5)


def test_every_page_is_numbered_with_dashes(pages: list[str]) -> None:
    for number, text in enumerate(pages, start=1):
        assert text.rstrip().endswith(f"— {number} —"), number


def test_first_page_carries_the_head_title_and_addressee(
    pages: list[str], bulletin: Bulletin
) -> None:
    lines = pages[0].splitlines()
    assert lines[:4] == [
        "示范市城市管理局文件",
        "示城管〔2026〕12号",
        bulletin.title,
        "各区人民政府，市直各有关单位：",
    ]


def test_mark_and_rule_are_red(reader: PdfReader) -> None:
    content = reader.pages[0].get_contents()
    assert content is not None
    stream = content.get_data().decode("latin-1")
    before_mark = stream[: stream.index("BT")]  # the mark is the first text drawn
    assert re.findall(r"([\d.]+ [\d.]+ [\d.]+) rg", before_mark)[-1] == "1 0 0"
    # The rule: a red filled rectangle as wide as the text block (156 mm; the page is drawn
    # at 0.75 pt a unit).
    widths = [
        float(w) * 0.75 for w in re.findall(r"1 0 0 rg\n[\d.]+ [\d.]+ ([\d.]+) [\d.]+ re", stream)
    ]
    assert any(w == pytest.approx(layout.TEXT_WIDTH_MM / 25.4 * 72, abs=1) for w in widths)


def test_fonts_are_cjk_subsets_and_all_embedded(reader: PdfReader) -> None:
    seen: set[str] = set()
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            seen.add(str(font["/BaseFont"]))
            assert font["/Subtype"] == "/Type0", font["/BaseFont"]
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.keys()), font[
                "/BaseFont"
            ]
            assert "/ToUnicode" in font
    assert any("Noto-Serif-CJK-SC" in name for name in seen)
    assert any("Noto-Sans-CJK-SC" in name for name in seen)  # headings (黑体's stand-in)


def test_no_character_of_title_names_or_headings_is_lost(
    pages: list[str], bulletin: Bulletin
) -> None:
    text = _flat("".join(pages))
    plan = layout.outline(bulletin)
    strings = [
        plan.mark,
        plan.title,
        plan.addressee,
        plan.copy_to,
        plan.printed_on,
        bulletin.issuer,
        *(b.text for b in plan.blocks if isinstance(b, layout.Heading)),
        *(
            row.name
            for table in bulletin.tables
            for row in layout.excerpt(table.rows, limit=60, head_tail=30).rows
        ),
        *(case.address for case in layout.overdue_in_order(bulletin.overdue)[:100]),
    ]
    characters = {ch for s in strings for ch in s if not ch.isspace()}
    assert sorted(ch for ch in characters if ch not in text) == []
    for s in strings:
        assert _flat(s) in text, s


def test_sections_limits_and_closing_match_the_word_document(
    pages: list[str], bulletin: Bulletin
) -> None:
    text = _flat("".join(pages))
    assert "注：共200个考核对象，表中列出前30名和后30名，其余见Excel附表。" in text
    assert "……（中间140个略）……" in text
    assert "另有50件超期案卷未在此列出，详见Excel附表。" in text
    assert bulletin.tables[1].rows[100].name not in text
    assert _flat(bulletin.run_label) in text
    assert _flat(bulletin.scheme_label) in text
    last = pages[-1]
    assert "抄送：市委办公厅，市人大常委会办公厅，市政府办公厅。" in last
    assert "示范市城市管理局办公室 2026年11月21日印发" in last
    assert last.index("2026年11月21日\n") < last.index("抄送")


def test_charts_are_vector_drawings_without_text(pages: list[str], pdf_bytes: bytes) -> None:
    # The chart titles are outlines, so they are not text: only the document's words are.
    text = _flat("".join(pages))
    assert "各区综合考核排名：综合得分" not in text
    assert b"/Subtype /Image" not in pdf_bytes  # no raster images anywhere


def test_template_renders_without_the_app_installed(bulletin: Bulletin, cjk_font: str) -> None:
    html = render_html(bulletin)
    assert "<h2>一、总体情况</h2>" in html
    assert "<h3>（一）各区综合考核排名</h3>" in html
    assert html.count('src="data:image/svg+xml;base64,') == 4
    assert "margin: 37mm 26mm 35mm 28mm" in html


def test_text_no_font_can_draw_is_refused(cjk_font: str) -> None:
    bulletin = dataclasses.replace(make_bulletin(), addressee="各区人民政府，\U000f0001单位")
    with pytest.raises(charts.GlyphMissing):
        render_pdf(bulletin)


def _is_red(pixel: Any) -> bool:
    red, green, blue = pixel
    return bool(red > 200 and green < 80 and blue < 80)


def test_only_the_head_is_red_on_the_rendered_page(pdf_bytes: bytes, tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        # CI installs poppler-utils (.ci/run) and asks for every tool it needs: there, fail.
        if os.environ.get("FINEGRID_REQUIRE_BROWSER"):
            pytest.fail("pdftoppm (poppler-utils) is absent")
        pytest.skip("pdftoppm (poppler-utils) is absent")
    source = tmp_path / "bulletin.pdf"
    source.write_bytes(pdf_bytes)
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(source), str(tmp_path / "p")],
        check=True,
        timeout=60,
    )
    (png,) = tmp_path.glob("p-*.png")
    image = Image.open(png).convert("RGB")
    width, height = image.size
    red_rows = {
        y for y in range(height) for x in range(0, width, 2) if _is_red(image.getpixel((x, y)))
    }
    # Red is used for the head only: the mark and the rule, in the top third of page one.
    assert red_rows
    assert max(red_rows) < height / 3
