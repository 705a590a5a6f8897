"""Bulletins rendered once per run: rendering is the slow part, the checks are many and cheap."""

from __future__ import annotations

import os

import pytest

from finegrid.reports import charts
from finegrid.reports.content import Bulletin
from tests.reports.factories import make_bulletin


@pytest.fixture(scope="session")
def cjk_font() -> str:
    """The charts' CJK font; without one the writers refuse to run, so these tests skip.

    CI installs fonts-noto-cjk with chromium and sets FINEGRID_REQUIRE_BROWSER: there a missing
    font is a failure, as a missing browser is.
    """
    try:
        return charts.cjk_family()
    except charts.CJKFontMissing as error:
        if os.environ.get("FINEGRID_REQUIRE_BROWSER"):
            pytest.fail(str(error))
        pytest.skip(str(error))


@pytest.fixture(scope="session")
def bulletin() -> Bulletin:
    """10 districts, 200 streets (so the printed ranking is cut), 12 departments, 150 overdue."""
    return make_bulletin(streets=200, overdue=150)


@pytest.fixture(scope="session")
def docx_bytes(cjk_font: str, bulletin: Bulletin) -> bytes:
    from finegrid.reports.docx import render_docx

    return render_docx(bulletin)


@pytest.fixture(scope="session")
def xlsx_bytes(bulletin: Bulletin) -> bytes:
    from finegrid.reports.xlsx import render_xlsx

    return render_xlsx(bulletin)


@pytest.fixture(scope="session")
def pdf_bytes(cjk_font: str, bulletin: Bulletin) -> bytes:
    from finegrid.reports.pdf import render_pdf

    return render_pdf(bulletin)
