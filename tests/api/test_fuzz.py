"""Property-based fuzzing of the whole API over real HTTP: Schemathesis generates requests from the
committed OpenAPI schema (valid ones and deliberately invalid ones) and sends them to the demo city
served by gunicorn.

Every answer must be no 5xx, carry a documented status and content type, and match its schema.
It runs as a staff member who may write (the dispatcher) and as an integration's service token.
Schemathesis' pytest plugin is not used (it does not run on pytest 9); each operation gets its
own Hypothesis run through `APIOperation.as_strategy`, and all failures are reported together.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.live import LiveSite

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 12  # per operation, per mode, per caller: about 2,000 requests in all


def fuzz(live_city: LiveSite, caller: str) -> list[str]:
    schema = schemathesis.openapi.from_dict(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    headers = {"Authorization": f"Bearer {live_city.tokens[caller]}"}
    failures: list[str] = []
    operations = [r.ok() for r in schema.get_all_operations() if isinstance(r, Ok)]
    assert len(operations) > 40
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case: Any) -> None:
                case.call_and_validate(
                    base_url=live_city.base_url, headers=headers, checks=CHECKS, timeout=30
                )

            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:  # report every operation, not the first
                failures.append(f"{operation.label} ({mode.value}): {exc}"[:2000])
    return failures


@pytest.mark.slow
@pytest.mark.parametrize("caller", ["dispatcher", "hotline"])
def test_the_api_never_fails_and_always_answers_as_documented(
    live_city: LiveSite, caller: str
) -> None:
    failures = fuzz(live_city, caller)
    assert not failures, "\n\n".join(failures)
