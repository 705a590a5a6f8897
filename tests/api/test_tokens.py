"""Personal and service tokens: what each may see and do, and their management."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from finegrid.api.models import ApiToken
from finegrid.api.tokens import hash_secret, issue_service_token
from finegrid.cases.models import Case, Source
from finegrid.geo.models import Area
from tests.cases.conftest import grid_point

pytestmark = pytest.mark.django_db


def test_secrets_are_stored_hashed(api_as: Any) -> None:
    caller = api_as("dispatcher")
    secret = caller.headers["Authorization"].removeprefix("Bearer ")
    stored = ApiToken.objects.get(prefix=secret[:10])
    assert stored.key_hash == hash_secret(secret)
    assert secret not in json.dumps(list(ApiToken.objects.values()), default=str)


def test_a_service_report_carries_the_tokens_source_and_no_reporter(hotline: Any) -> None:
    lon, lat = grid_point()
    case = hotline.post("/cases", {"lon": lon, "lat": lat, "description": "噪音扰民"}).json()
    row = Case.objects.get(pk=case["id"])
    assert (row.source, row.reporter) == (Source.HOTLINE, None)
    assert case["allowed_actions"] == []


def test_a_service_token_reads_only_its_channels_cases(hotline: Any, api_as: Any) -> None:
    lon, lat = grid_point()
    own = hotline.post("/cases", {"lon": lon, "lat": lat, "description": "a"}).json()
    other = api_as("inspector").post("/cases", {"lon": lon, "lat": lat, "description": "b"}).json()
    listed = {c["id"] for c in hotline.get("/cases").json()["results"]}
    assert own["id"] in listed
    assert other["id"] not in listed
    assert hotline.get(f"/cases/{other['id']}").status_code == 404


def test_a_service_token_cannot_act_or_report_as_another_source(hotline: Any) -> None:
    lon, lat = grid_point()
    case = hotline.post("/cases", {"lon": lon, "lat": lat, "description": "a"}).json()
    assert hotline.post(f"/cases/{case['id']}/accept", {"version": 1}).status_code == 403
    other = hotline.post("/cases", {"lon": lon, "lat": lat, "description": "a", "source": "sensor"})
    assert other.status_code == 403


def test_a_service_token_reports_only_inside_its_area(db: None) -> None:
    from tests.api.conftest import Api

    district = Area.objects.current().filter(level="district").order_by("code").last()
    assert district is not None
    _token, secret = issue_service_token(name="camera", source=Source.SENSOR, area=district)
    lon, lat = grid_point()  # a grid in another district
    count = Case.objects.count()
    response = Api(secret).post("/cases", {"lon": lon, "lat": lat, "description": "占道"})
    assert (response.status_code, response.json()["error"]["field"]) == (422, "location")
    assert Case.objects.count() == count


def test_a_token_limited_to_one_role_acts_only_in_it(api_as: Any, cast: Any) -> None:
    from finegrid.org.actions import upsert_staff_user
    from finegrid.org.roles import Role

    both = upsert_staff_user(
        username="both",
        full_name="两岗",
        roles=[Role.RECEPTIONIST, Role.SHIFT_LEADER],
        unit=cast["receptionist"].unit,
    )
    cast["both"] = both
    lon, lat = grid_point()
    case = api_as("inspector").post("/cases", {"lon": lon, "lat": lat, "description": "a"}).json()
    limited = api_as("both", roles=[Role.SHIFT_LEADER])
    assert limited.get(f"/cases/{case['id']}").json()["allowed_actions"] == []
    assert limited.post(f"/cases/{case['id']}/accept", {"version": 1}).status_code == 403
    assert api_as("both").post(f"/cases/{case['id']}/accept", {"version": 1}).status_code == 200


def test_a_read_only_token_cannot_write(api_as: Any) -> None:
    reader = api_as("leader", read_only=True)
    assert reader.get("/cases").status_code == 200
    lon, lat = grid_point()
    refused = reader.post("/cases", {"lon": lon, "lat": lat, "description": "a"})
    assert refused.status_code == 403


def test_tokens_are_created_listed_and_revoked_from_a_session(cast: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast["dispatcher"])
    client.get("/")  # the page sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else ""
    without_csrf = client.post(
        "/api/v1/me/tokens", json.dumps({"name": "脚本"}), content_type="application/json"
    )
    assert without_csrf.status_code == 403
    created = client.post(
        "/api/v1/me/tokens",
        json.dumps({"name": "脚本"}),
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert created.status_code == 201, created.content
    secret = created.json()["secret"]
    bearer = {"Authorization": f"Bearer {secret}"}
    assert Client().get("/api/v1/me", headers=bearer).json()["username"] == "dispatcher"
    listed = client.get("/api/v1/me/tokens").json()
    assert [t["name"] for t in listed] == ["脚本"]
    assert "secret" not in listed[0]
    # a token cannot mint tokens
    assert (
        Client()
        .post(
            "/api/v1/me/tokens",
            json.dumps({"name": "x"}),
            content_type="application/json",
            headers=bearer,
        )
        .status_code
        == 401
    )
    revoked = client.delete(f"/api/v1/me/tokens/{listed[0]['id']}", headers={"X-CSRFToken": csrf})
    assert revoked.status_code == 204
    assert Client().get("/api/v1/me", headers=bearer).status_code == 401


def test_the_issue_token_command_prints_a_working_secret(db: None) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command(
        "issue_token",
        "--service",
        "--source",
        "hotline",
        "--area",
        "990100",
        "--name",
        "12345",
        stdout=out,
    )
    secret = out.getvalue().strip()
    assert (
        Client().get("/api/v1/ping", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 200
    )
