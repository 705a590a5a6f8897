"""Appending events to the two hash chains (per case and global), and verifying them.

Each event's hash covers its own content, the previous event of the same case and the previous
event of all cases. Editing a row breaks its own hash; deleting one breaks the next row's link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from finegrid.cases.models import Case, CaseAttachment, CaseEvent, ChainHead
from finegrid.cases.workflow import Action, Status
from finegrid.org.models import User


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def event_hash(
    *,
    case_id: int,
    seq: int,
    action: str,
    from_status: str,
    to_status: str,
    actor_id: int | None,
    actor_role: str,
    at: dt.datetime,
    note: str,
    data: dict[str, Any],
    attachments: Sequence[str],
    case_prev_hash: str,
    chain_prev_hash: str,
) -> str:
    body = _canonical(
        {
            "case": case_id,
            "seq": seq,
            "action": action,
            "from": from_status,
            "to": to_status,
            "actor": actor_id,
            "role": actor_role,
            "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "note": note,
            "data": data,
            "attachments": sorted(attachments),
            "case_prev": case_prev_hash,
            "chain_prev": chain_prev_hash,
        }
    )
    return hashlib.sha256(body.encode()).hexdigest()


def record_event(
    *,
    case: Case,
    action: Action,
    from_status: Status | None,
    to_status: Status,
    actor: User | None,
    actor_role: str,
    at: dt.datetime,
    note: str = "",
    data: dict[str, Any] | None = None,
    attachments: Sequence[CaseAttachment] = (),
) -> CaseEvent:
    """Append one event; must run inside the action's transaction."""
    assert transaction.get_connection().in_atomic_block, (
        "record_event runs inside an action's transaction"
    )
    data = data or {}
    head, _created = ChainHead.objects.select_for_update().get_or_create(pk=1)
    previous = (
        CaseEvent.objects.filter(case=case).order_by("-seq").values_list("seq", "hash").first()
    )
    seq, case_prev = (previous[0] + 1, previous[1]) if previous else (1, "")
    digest = event_hash(
        case_id=case.pk,
        seq=seq,
        action=action,
        from_status=from_status or "",
        to_status=to_status,
        actor_id=actor.pk if actor else None,
        actor_role=actor_role,
        at=at,
        note=note,
        data=data,
        attachments=[a.sha256 for a in attachments],
        case_prev_hash=case_prev,
        chain_prev_hash=head.last_hash,
    )
    event = CaseEvent.objects.create(
        case=case,
        seq=seq,
        action=action,
        from_status=from_status or "",
        to_status=to_status,
        actor=actor,
        actor_role=actor_role,
        at=at,
        note=note,
        data=data,
        case_prev_hash=case_prev,
        chain_prev_hash=head.last_hash,
        hash=digest,
    )
    if attachments:
        CaseAttachment.objects.filter(pk__in=[a.pk for a in attachments]).update(event=event)
    ChainHead.objects.filter(pk=1).update(last_event_id=event.pk, last_hash=digest)
    return event


@dataclass(frozen=True)
class AuditProblem:
    event_id: int | None
    case_id: int | None
    seq: int | None
    reason: str

    def describe(self) -> str:
        where = (
            f"事件 #{self.event_id}（案卷 {self.case_id} 第 {self.seq} 步）"
            if self.event_id
            else "链尾"
        )
        return f"{where}：{self.reason}"


def verify_chain(*, batch_size: int = 2000) -> list[AuditProblem]:
    """Recompute every hash; name each edited row and each link a deleted row broke."""
    problems: list[AuditProblem] = []
    attachments: dict[int, list[str]] = {}
    for event_id, sha in CaseAttachment.objects.filter(event__isnull=False).values_list(
        "event_id", "sha256"
    ):
        attachments.setdefault(event_id, []).append(sha)
    last_by_case: dict[int, tuple[int, str]] = {}
    chain_prev = ""
    last_id: int | None = None
    for event in _events(batch_size):
        expected = event_hash(
            case_id=event.case_id,
            seq=event.seq,
            action=event.action,
            from_status=event.from_status,
            to_status=event.to_status,
            actor_id=event.actor_id,
            actor_role=event.actor_role,
            at=event.at,
            note=event.note,
            data=event.data,
            attachments=attachments.get(event.pk, []),
            case_prev_hash=event.case_prev_hash,
            chain_prev_hash=event.chain_prev_hash,
        )
        where = {"event_id": event.pk, "case_id": event.case_id, "seq": event.seq}
        if expected != event.hash:
            problems.append(AuditProblem(**where, reason=_("内容与哈希不符（记录被修改）")))
        if event.chain_prev_hash != chain_prev:
            problems.append(
                AuditProblem(
                    **where, reason=_("与上一条事件的全局链接断开（其前有记录被删除或修改）")
                )
            )
        seq_before, hash_before = last_by_case.get(event.case_id, (0, ""))
        if event.seq != seq_before + 1 or event.case_prev_hash != hash_before:
            problems.append(
                AuditProblem(
                    **where,
                    reason=_("与本案卷第 %(seq)d 步的链接断开（有记录被删除或修改）")
                    % {"seq": seq_before},
                )
            )
        last_by_case[event.case_id] = (event.seq, event.hash)
        chain_prev = event.hash
        last_id = event.pk
    head = ChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_hash != chain_prev or head.last_event_id != last_id):
        problems.append(
            AuditProblem(None, None, None, _("链尾与最后一条事件不符（最后的记录被删除或修改）"))
        )
    return problems


def _events(batch_size: int) -> Iterator[CaseEvent]:
    after = 0
    while True:
        batch = list(CaseEvent.objects.filter(pk__gt=after).order_by("pk")[:batch_size])
        if not batch:
            return
        yield from batch
        after = batch[-1].pk
