"""Name matching between the GB/T 30428.2-2013 style catalogues and the 2026 catalogue (pure Python)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Final

# Words the 2026 edition renamed without changing what they denote. Kept short on purpose: a
# looser table would map different things onto each other, and a wrong mapping is worse than none.
SYNONYMS: Final[Mapping[str, str]] = {
    "有线电视": "电视",
    "上水": "供水",
    "电信": "通信",
    "私自": "擅自",
}

# Qualifiers in brackets ("（区管）", "（五环内）", "（箱）") name a local variant, not a different thing.
_BRACKETED: Final = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_PUNCTUATION_AND_SPACE: Final = re.compile(r"[\s、，,;；:：.。·/\\\-_]+")


class MatchMethod(StrEnum):
    EXACT = "exact"
    NORMALISED = "normalised"
    NONE = "none"


def normalise_name(name: str) -> str:
    """The comparison form of a category name: NFKC, no brackets, no punctuation, 2026 wording."""
    text = unicodedata.normalize("NFKC", name)
    text = _BRACKETED.sub("", text)
    text = _PUNCTUATION_AND_SPACE.sub("", text)
    for old, new in SYNONYMS.items():
        text = text.replace(old, new)
    return text


def match_name(name: str, candidates: Iterable[tuple[str, str]]) -> tuple[str | None, MatchMethod]:
    """The code among (code, name) candidates whose name matches, and how it matched.

    An exact name wins; otherwise a unique normalised name; an ambiguous normalised name matches
    nothing, because guessing between two categories would silently misroute old cases.
    """
    pairs = list(candidates)
    exact = [code for code, candidate in pairs if candidate == name]
    if len(exact) == 1:
        return exact[0], MatchMethod.EXACT
    wanted = normalise_name(name)
    normalised = [code for code, candidate in pairs if normalise_name(candidate) == wanted]
    if len(normalised) == 1:
        return normalised[0], MatchMethod.NORMALISED
    return None, MatchMethod.NONE
