"""Every Chinese message has an English translation, and the committed .mo files answer with it."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.utils import translation

CATALOGUES = sorted(
    (Path(__file__).resolve().parents[2] / "finegrid").glob("*/locale/en/LC_MESSAGES/django.po")
)


def test_there_are_catalogues_to_check() -> None:
    assert len(CATALOGUES) >= 3


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parts[-5])
def test_catalogue_is_complete_and_compiled(po_path: Path) -> None:
    po = polib.pofile(str(po_path))
    untranslated = [
        e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)
    ]
    assert untranslated == []
    with translation.override("en"):
        for entry in po.translated_entries():
            if entry.msgid_plural:
                continue
            if entry.msgctxt:
                got = translation.pgettext(entry.msgctxt, entry.msgid)
            else:
                got = translation.gettext(entry.msgid)
            assert got == entry.msgstr, (
                f"{po_path.parts[-5]}: {entry.msgid!r} compiled as {got!r}; run make messages"
            )
