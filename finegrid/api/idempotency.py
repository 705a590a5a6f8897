"""Idempotency-Key: a retried request gets the first answer and creates nothing new.

The record is written in the same transaction as what the request created, so a crash leaves
either both or neither. Two concurrent requests with one key: the second waits on the unique key,
then rolls back its own work and answers with the first one's result.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from finegrid.api.errors import ApiError
from finegrid.api.models import IdempotencyRecord
from finegrid.cases.models import Case

MAX_KEY_LENGTH = 255


def fingerprint(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(record: IdempotencyRecord, digest: str) -> tuple[int, Any]:
    if record.request_hash != digest:
        raise ApiError(
            409,
            "idempotency_conflict",
            _("此Idempotency-Key已用于内容不同的请求，请为新请求使用新的键"),
            "Idempotency-Key",
        )
    return record.status_code, record.response


def once(
    *,
    owner: str,
    key: str | None,
    payload: Any,
    run: Callable[[], tuple[int, Any, Case | None]],
) -> tuple[int, Any]:
    """Run `run` at most once per (owner, key); the same key and payload replay its answer."""
    if key is None:
        status, body, _case = run()
        return status, body
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ApiError(
            422,
            "invalid",
            _("Idempotency-Key应为1至%(max)d个字符") % {"max": MAX_KEY_LENGTH},
            "Idempotency-Key",
        )
    digest = fingerprint(payload)
    existing = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
    if existing is not None:
        return _replay(existing, digest)
    try:
        with transaction.atomic():
            status, body, case = run()
            IdempotencyRecord.objects.create(
                owner=owner,
                key=key,
                request_hash=digest,
                status_code=status,
                response=json.loads(json.dumps(body, default=str)),
                case=case,
            )
    except IntegrityError:
        # Someone with the same key committed first: their answer is the answer.
        record = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
        if record is None:
            raise
        return _replay(record, digest)
    return status, body
