"""The demo city served by real gunicorn processes, once per test session, for tests over HTTP.

tests/conftest.py exposes the fixture with `from tests.live import *`. The city runs on the same
kind of database as the test run (SQLite or PostgreSQL, in a database of its own: the server
cannot see the tests' transactions) and answers to tokens issued for every demo user and for two
integrations. Tests that use it are marked slow:

    @pytest.mark.slow
    def test_ping(live_city: LiveSite) -> None:
        status, body = live_city.request("GET", "/api/v1/ping", token="dispatcher")
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest

from finegrid.demo.liveserver import LiveCity, Vendor

__all__ = ["DEMO_USERNAMES", "LiveSite", "live_city"]

DEMO_USERNAMES = (
    "inspector",
    "receptionist",
    "shiftleader",
    "dispatcher",
    "handler",
    "deptadmin",
    "supervisor",
    "leader",
    "admin",
)
CITY_CODE = "990100"  # 示范市
SERVICE_TOKENS = {"citizen": "citizen", "hotline": "hotline"}  # token name → report source


@dataclass
class LiveSite:
    """A running live city and its tokens: one per demo username, plus "citizen" and "hotline"."""

    city: LiveCity
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return self.city.base_url

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
    ) -> tuple[int, Any]:
        """One request on a fresh connection; the status and the decoded JSON (or the raw text).

        `token` is a name from `tokens` (or a raw secret); `path` is sent as given (URL-encoded).
        """
        sent = {"Accept-Language": "zh-hans", **(headers or {})}
        if token is not None:
            sent["Authorization"] = f"Bearer {self.tokens.get(token, token)}"
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent["Content-Type"] = "application/json"
        connection = http.client.HTTPConnection("127.0.0.1", self.city.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        try:
            return response.status, json.loads(raw)
        except ValueError:
            return response.status, raw.decode(errors="replace")


def _pg_url() -> str:
    """The test run's PostgreSQL server, without a database name."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    user = quote(str(db.get("USER") or "postgres"), safe="")
    password = quote(str(db.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}" if password else user
    return f"postgres://{credentials}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"


@pytest.fixture(scope="session")
def live_city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    """The demo city in gunicorn on the test run's kind of database, with tokens for everyone."""
    from django.db import connection

    vendor: Vendor = "postgresql" if connection.vendor == "postgresql" else "sqlite"
    city = LiveCity(
        vendor=vendor,
        workdir=tmp_path_factory.mktemp("live_city"),
        env={"FINEGRID_RATE_TOKEN": "1000000/min"},
        pg_url=_pg_url() if vendor == "postgresql" else "postgres://postgres@127.0.0.1:5432",
    )
    try:
        city.prepare()
        requests = {
            username: ["--user", username, "--name", f"live tests: {username}"]
            for username in DEMO_USERNAMES
        }
        for name, source in SERVICE_TOKENS.items():
            requests[name] = [
                *("--service", "--source", source, "--area", CITY_CODE),
                *("--name", f"live tests: {name}"),
            ]
        site = LiveSite(city, city.issue_tokens(requests))
        city.start()
        yield site
    finally:
        city.drop()
