"""How often one address may use the portal: the API's per-address limit for every report and
lookup, and a tighter count of wrong tracking codes so that codes cannot be guessed.

The wrong-code count is checked before a lookup, not after: an address over its limit gets 429 for
every code, right or wrong, so it cannot tell a hit from a miss by the answer.
"""

from __future__ import annotations

import math
import time
from typing import Final

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _

from finegrid.api.errors import ApiError
from finegrid.api.limits import Rate, check_request, client_address

#: Wrong codes one address may try per window; a person mistyping needs a handful, a guesser
#: millions (31^8 codes), so this stops guessing while a clumsy thumb is never in the way.
WRONG_CODES: Final = Rate(requests=20, seconds=3600)

__all__ = ["ApiError", "check_lookup", "check_request", "count_wrong_code"]


def _key(request: HttpRequest) -> tuple[str, float]:
    now = time.time()
    window = int(now // WRONG_CODES.seconds)
    return f"finegrid:portal-wrong-code:{client_address(request)}:{window}", now


def check_lookup(request: HttpRequest) -> None:
    """Before looking a code up: ApiError 429 when this address is over either limit."""
    check_request(request, token_id=None)
    key, now = _key(request)
    if int(cache.get(key, 0)) >= WRONG_CODES.requests:
        window_end = (int(now // WRONG_CODES.seconds) + 1) * WRONG_CODES.seconds
        wait = max(1, int(window_end - now + 0.999))
        raise ApiError(
            429,
            "rate_limited",
            _("输错查询码的次数过多，请在%(minutes)d分钟后重试")
            % {"minutes": max(1, math.ceil(wait / 60))},
            retry_after=wait,
        )


def count_wrong_code(request: HttpRequest) -> None:
    """After a code matched nothing."""
    key, _now = _key(request)
    if not cache.add(key, 1, timeout=WRONG_CODES.seconds + 1):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=WRONG_CODES.seconds + 1)
