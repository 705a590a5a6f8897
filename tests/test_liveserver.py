"""The live city: gunicorn serves the API on the run's database, and a killed server comes back
on the same database with nothing lost and a retried report not filed twice."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection

from tests.live import LiveSite

pytestmark = pytest.mark.slow


def test_server_answers_health_and_ping(live_city: LiveSite) -> None:
    # given the live city, when we ask for its health, then it names the run's kind of database
    status, body = live_city.request("GET", "/healthz")
    assert (status, body) == (200, {"status": "ok", "database": connection.vendor})

    # a personal token and a service token both pass authentication on the API
    assert live_city.request("GET", "/api/v1/ping", token="dispatcher")[0] == 200
    assert live_city.request("GET", "/api/v1/ping", token="citizen")[0] == 200

    # without a token the API refuses, in its error shape
    status, body = live_city.request("GET", "/api/v1/ping")
    assert status == 401
    assert set(body["error"]) == {"code", "message", "field"}


def test_killed_server_restarts_on_the_same_database(live_city: LiveSite) -> None:
    # given a citizen report filed with an idempotency key
    [(lon, lat)] = live_city.city.points_inside(1, seed=7)
    key = {"Idempotency-Key": f"live-{uuid.uuid4()}"}
    report = {"lon": lon, "lat": lat, "description": "井盖缺失（重启测试）", "address": "湖滨路"}
    status, first = live_city.request(
        "POST", "/api/v1/cases", token="citizen", json_body=report, headers=key
    )
    assert status == 201, first

    # when the whole server is killed, nothing answers (refused, or reset by a dying socket)
    live_city.city.kill()
    with pytest.raises((ConnectionRefusedError, ConnectionResetError)):
        live_city.request("GET", "/healthz", timeout=2)

    # then after a restart the case is there, and the retried report returns it, not a new one
    live_city.city.start()
    status, read = live_city.request("GET", f"/api/v1/cases/{first['id']}", token="citizen")
    assert (status, read["case_no"]) == (200, first["case_no"])
    status, again = live_city.request(
        "POST", "/api/v1/cases", token="citizen", json_body=report, headers=key
    )
    assert (status, again["id"], again["case_no"]) == (201, first["id"], first["case_no"])
