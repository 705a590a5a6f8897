"""The bulletin formats a caller can ask for, and the file name each is saved under."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final, NamedTuple

from finegrid.reports.content import Bulletin
from finegrid.reports.docx import render_docx
from finegrid.reports.layout import base_name
from finegrid.reports.pdf import render_pdf
from finegrid.reports.xlsx import render_xlsx


class Format(NamedTuple):
    renderer: Callable[[Bulletin], bytes]
    content_type: str
    extension: str


FORMATS: Final[Mapping[str, Format]] = {
    "docx": Format(
        render_docx,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
    "xlsx": Format(
        render_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
    "pdf": Format(render_pdf, "application/pdf", "pdf"),
}


def filename(bulletin: Bulletin, fmt: str) -> str:
    """E.g. 2026年10月城市管理考核月排名.docx (Chinese: the caller adds an ASCII fallback)."""
    return f"{base_name(bulletin)}.{FORMATS[fmt].extension}"
