"""Every format renders the sparse bulletins a quiet week produces, not only the full one."""

from __future__ import annotations

import dataclasses
import io
import zipfile

import docx
import openpyxl
import pytest
from pypdf import PdfReader

from finegrid.reports.content import Bulletin, Table
from finegrid.reports.render import FORMATS
from tests.reports.factories import AREA_ITEMS, make_bulletin, make_table


def _text(fmt: str, data: bytes) -> str:
    if fmt == "docx":
        return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    if fmt == "pdf":
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    book = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(
        str(value)
        for ws in book
        for row in ws.iter_rows(values_only=True)
        for value in row
        if value
    )


def _quiet_week() -> Bulletin:
    return dataclasses.replace(
        make_bulletin(), tables=(), overdue=(), totals=(), commended=(), criticised=(), notes=()
    )


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_bulletin_with_nothing_to_rank_renders(fmt: str, cjk_font: str) -> None:
    data = FORMATS[fmt].renderer(_quiet_week())
    text = _text(fmt, data)
    assert "示城管〔2026〕12号" in text
    if fmt != "xlsx":
        assert "本期无排名数据。" in text
        assert "截至2026年10月31日，无超过处置时限仍未结案的案卷。" in text.replace("\n", "")


def _single_subject() -> Table:
    table = make_table("district", "各区综合考核排名", 1, AREA_ITEMS)
    row = dataclasses.replace(table.rows[0], item_values={}, item_scores={}, adjustment=3.0)
    return dataclasses.replace(
        table, items=(), figures=(), rows=(dataclasses.replace(row, score=3.0),)
    )


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_ranking_of_one_subject_without_items_renders(fmt: str, cjk_font: str) -> None:
    bulletin = dataclasses.replace(make_bulletin(), tables=(_single_subject(),))
    data = FORMATS[fmt].renderer(bulletin)
    assert "洪山区" in _text(fmt, data) or fmt == "xlsx"
    if fmt == "xlsx":
        ws = openpyxl.load_workbook(io.BytesIO(data))["各区综合考核排名"]
        assert ws["A4"].value == "=RANK(E4,$E$4:$E$4)"
        assert ws["E4"].value == "=ROUND(D4,2)"  # no items: the adjustment alone
        assert ws["B4"].value == bulletin.tables[0].rows[0].name
    if fmt == "docx":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert len([n for n in archive.namelist() if n.startswith("word/media/")]) == 1
