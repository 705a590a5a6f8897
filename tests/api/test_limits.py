"""Rate limits per token and per address: a clear 429 with Retry-After, in the caller's language."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from finegrid.api.limits import parse_rate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_counters() -> Any:
    cache.clear()
    yield
    cache.clear()


def test_a_token_over_its_rate_gets_429_with_retry_after(hotline: Any, settings: Any) -> None:
    settings.FINEGRID_RATE_TOKEN = "3/min"
    answers = [hotline.get("/ping").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = hotline.get("/ping")
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert limited.json()["error"]["code"] == "rate_limited"
    assert "请求过于频繁" in limited.json()["error"]["message"]


def test_guessing_tokens_is_limited_per_address(settings: Any) -> None:
    settings.FINEGRID_RATE_ANONYMOUS = "2/min"
    bad = {"Authorization": "Bearer fg_guess"}
    answers = [Client().get("/api/v1/ping", headers=bad).status_code for _ in range(3)]
    assert answers == [401, 401, 429]


def test_rates_are_parsed_or_refused() -> None:
    assert parse_rate("600/min").requests == 600
    assert parse_rate("10/s").seconds == 1
    with pytest.raises(ValueError, match="not a rate"):
        parse_rate("lots")
