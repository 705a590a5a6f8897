"""Tracking codes: what a public report is given, and how people type it back: in any case, with
dashes, spaces or full-width letters from a Chinese keyboard; shown in two groups of four so it is
easy to read out on the phone."""

from __future__ import annotations

import unicodedata
from typing import Final

#: Letters and digits nobody misreads on a phone or over the line (no 0/O, 1/I/L).
TRACKING_ALPHABET: Final = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH: Final = 8  # 31^8 ≈ 8.5 × 10^11: unguessable, short enough to read out
_IGNORED: Final = str.maketrans("", "", " -_.\u3000\t\r\n")


def normalise(text: str) -> str:
    """The canonical code: NFKC folds full-width ＡＢ１ to ASCII, then upper case without separators."""
    return unicodedata.normalize("NFKC", text).upper().translate(_IGNORED)


def is_well_formed(code: str) -> bool:
    """Whether a normalised code could be one we issued (no lookup needed to refuse the rest)."""
    return len(code) == CODE_LENGTH and all(char in TRACKING_ALPHABET for char in code)


def display(code: str) -> str:
    """'ABCD2345' → 'ABCD-2345'."""
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_LENGTH else code
