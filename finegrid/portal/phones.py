"""The phone number a citizen may leave for a callback: a mainland mobile or landline number.

Only the shape is checked (a callback to a wrong number fails anyway); the point is to catch a typo,
such as a digit too many, while the citizen is still at the form.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_MOBILE: Final = re.compile(r"1[3-9]\d{9}")
#: 010 and 02x take 8-digit numbers; the four-digit area codes take 7 or 8.
_LANDLINES: Final = (re.compile(r"(0(?:10|2\d))(\d{8})"), re.compile(r"(0[3-9]\d{2})(\d{7,8})"))
_COUNTRY: Final = re.compile(r"^(?:\+86|0086|86)(?=(?:1\d{10}|0\d{9,11})$)")
_EXTENSION_WORD: Final = re.compile(r"转|分机|ext\.?|#", re.IGNORECASE)
_TRAILING_EXTENSION: Final = re.compile(r"^(.*\d)-(\d{1,6})$")
_SEPARATORS: Final = re.compile(r"[\s\-()（）]")


def normalise_phone(text: str) -> str:
    """'138 1234 5678' → '13812345678'; '(021) 6123-4567' → '021-61234567';
    '0571-88888888转801' → '0571-88888888-801'; '' stays ''; anything else is a ValidationError."""
    raw = unicodedata.normalize("NFKC", text).strip()
    if not raw:
        return ""
    main, extension = _split_extension(raw)
    digits = _COUNTRY.sub("", _SEPARATORS.sub("", main))
    if not extension and _MOBILE.fullmatch(digits):
        return digits
    if not extension or re.fullmatch(r"\d{1,6}", extension):
        for pattern in _LANDLINES:
            found = pattern.fullmatch(digits)
            if found:
                return f"{found[1]}-{found[2]}" + (f"-{extension}" if extension else "")
    raise ValidationError(
        _("请填写正确的手机号（11位）或座机号（区号+号码，如 021-61234567）"), code="invalid"
    )


def _split_extension(raw: str) -> tuple[str, str | None]:
    parts = _EXTENSION_WORD.split(raw, maxsplit=1)
    if len(parts) == 2:
        return parts[0], _SEPARATORS.sub("", parts[1])
    trailing = _TRAILING_EXTENSION.match(raw)
    if trailing:
        head_digits = re.sub(r"\D", "", trailing[1])
        # '021-61234567-801': the head is a whole landline, so the tail is an extension.
        if head_digits.startswith("0") and len(head_digits) >= 10:
            return trailing[1], trailing[2]
    return raw, None
