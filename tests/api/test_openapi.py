"""The committed OpenAPI schema is the API: a change to one without the other fails here."""

from __future__ import annotations

import json
from pathlib import Path

from django.test import Client

from finegrid.api.schema_file import render_schema
from finegrid.cases.workflow import Action

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.json"


def test_the_committed_schema_matches_the_api() -> None:
    assert render_schema() == SCHEMA_FILE.read_text(encoding="utf-8"), (
        "the API changed: run `make openapi` and commit docs/api/openapi.json"
    )


def test_the_schema_lists_every_workflow_action() -> None:
    paths = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))["paths"]
    operations = {op["operationId"] for ops in paths.values() for op in ops.values()}
    for action in Action:
        if action != Action.REPORT:
            assert f"case_{action.value}" in operations
    assert "/api/v1/cases" in paths


def test_the_docs_page_is_served_without_a_cdn(db: None) -> None:
    page = Client().get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
