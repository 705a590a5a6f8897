"""Rate limits for public and integration callers: per token, and per client address.

Counts live in the Django cache, which production points at Redis (FINEGRID_CACHE_URL) so that
every server process shares them. A fixed window per minute: simple, and its cost is one cache
increment per request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from finegrid.api.errors import ApiError, throttled


@dataclass(frozen=True)
class Rate:
    requests: int
    seconds: int


def parse_rate(text: str) -> Rate:
    """'600/min' → Rate(600, 60). Accepts s, sec, m, min, h, hour, d, day."""
    count, _slash, period = text.partition("/")
    seconds = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400}
    seconds["day"] = 86400
    if not count.strip().isdigit() or period.strip() not in seconds:
        raise ValueError(f"not a rate: {text!r} (expected e.g. '600/min')")
    return Rate(int(count), seconds[period.strip()])


def client_address(request: HttpRequest) -> str:
    """The caller's address; behind FINEGRID_TRUSTED_PROXIES proxies, from X-Forwarded-For."""
    proxies = settings.FINEGRID_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return str(hops[-min(proxies, len(hops))])
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def check(bucket: str, rate: Rate) -> None:
    """Count one request in `bucket`; ApiError 429 (with the wait) once the window is full."""
    if rate.requests <= 0:
        return
    now = time.time()
    window = int(now // rate.seconds)
    key = f"finegrid:rate:{bucket}:{window}"
    if cache.add(key, 1, timeout=rate.seconds + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=rate.seconds + 1)
            count = 1
    if count > rate.requests:
        wait = max(1, int((window + 1) * rate.seconds - now + 0.999))
        raise throttled(wait)


def check_request(request: HttpRequest, *, token_id: int | None) -> None:
    """The limits for a public or integration request: its token's, else its address's."""
    if token_id is not None:
        check(f"token:{token_id}", parse_rate(settings.FINEGRID_RATE_TOKEN))
    else:
        check(f"ip:{client_address(request)}", parse_rate(settings.FINEGRID_RATE_ANONYMOUS))


__all__ = ["ApiError", "Rate", "check", "check_request", "client_address", "parse_rate"]
