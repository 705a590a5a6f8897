"""Idempotency-Key: a retry returns the first answer; the same key with another body is a 409."""

from __future__ import annotations

from typing import Any

import pytest

from finegrid.cases.models import Case
from tests.cases.conftest import grid_point

pytestmark = pytest.mark.django_db


def body(text: str = "井盖缺失") -> dict[str, Any]:
    lon, lat = grid_point()
    return {"lon": lon, "lat": lat, "description": text}


def test_a_retry_returns_the_first_case_and_files_nothing_new(hotline: Any) -> None:
    key = {"Idempotency-Key": "phone-7f3a-0001"}
    first = hotline.post("/cases", body(), headers=key)
    count = Case.objects.count()
    retry = hotline.post("/cases", body(), headers=key)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert Case.objects.count() == count


def test_the_same_key_with_another_body_is_a_conflict(hotline: Any) -> None:
    key = {"Idempotency-Key": "phone-7f3a-0002"}
    assert hotline.post("/cases", body(), headers=key).status_code == 201
    count = Case.objects.count()
    other = hotline.post("/cases", body("路灯不亮"), headers=key)
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_conflict"
    assert Case.objects.count() == count


def test_keys_belong_to_their_caller(hotline: Any, api_as: Any) -> None:
    key = {"Idempotency-Key": "shared-key"}
    one = hotline.post("/cases", body(), headers=key).json()
    two = api_as("inspector").post("/cases", body(), headers=key).json()
    assert one["id"] != two["id"]


def test_a_refused_request_is_not_remembered(hotline: Any) -> None:
    key = {"Idempotency-Key": "retry-after-fix"}
    bad = hotline.post("/cases", {"lon": 100.0, "lat": 40.0, "description": "x"}, headers=key)
    assert bad.status_code == 422
    assert hotline.post("/cases", body(), headers=key).status_code == 201


def test_an_overlong_key_is_refused(hotline: Any) -> None:
    response = hotline.post("/cases", body(), headers={"Idempotency-Key": "k" * 256})
    assert (response.status_code, response.json()["error"]["field"]) == (422, "Idempotency-Key")


def test_the_sweep_forgets_old_keys_and_unused_uploads(hotline: Any, settings: Any) -> None:
    import datetime as dt

    from django.utils import timezone

    from finegrid.api.models import IdempotencyRecord, Upload
    from finegrid.api.tasks import sweep
    from tests.cases.conftest import jpeg_bytes

    hotline.post("/cases", body(), headers={"Idempotency-Key": "old"})
    hotline.upload(jpeg_bytes())
    later = timezone.now() + dt.timedelta(days=settings.FINEGRID_IDEMPOTENCY_DAYS, hours=1)
    assert sweep(now=later.isoformat()) == {"uploads": 1, "idempotency_records": 1}
    assert not IdempotencyRecord.objects.exists()
    assert not Upload.objects.exists()
