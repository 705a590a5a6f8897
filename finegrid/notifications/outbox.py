"""The writers of the outbox: queue messages (never twice), the messages a case event calls for,
marking in-app messages read, and a person's retry of a message that was given up.

In-app messages are delivered by being stored: they are queued as sent. Every other channel is
queued pending and left to `delivery.deliver_due`, which is enqueued as soon as something waits.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise

from finegrid.cases.models import Case, CaseEvent
from finegrid.cases.workflow import Action, Status
from finegrid.core.tasks import enqueue
from finegrid.notifications.delivery import has_sender
from finegrid.notifications.models import Channel, DeliveryStatus, Message, MessageKind
from finegrid.notifications.rules import Recipient, Resolver, rule_for
from finegrid.org.models import User

log = logging.getLogger(__name__)

DESCRIPTION_CHARS = 80


class MessageNotFound(Exception):
    """No such message in this user's inbox (another's message looks the same on purpose)."""


@dataclass(frozen=True)
class Notice:
    """What to say: rendered once, in the city's language, for every recipient."""

    kind: MessageKind
    subject: str
    body: str
    case: Case | None = None


def render(subject: Promise | str, body: Promise | str, context: dict[str, Any]) -> tuple[str, str]:
    """Subject and body in the site's language: messages are read later, outside any request."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(subject) % context, str(body) % context


def enabled_channels() -> frozenset[str]:
    return frozenset(getattr(settings, "FINEGRID_NOTIFY_CHANNELS", [c.value for c in Channel]))


def queue(*, notice: Notice, recipients: Iterable[Recipient], origin: str) -> int:
    """Queue `notice` for each recipient on an enabled channel; returns how many were new.

    Each message's dedupe key is origin + recipient + channel, unique in the table: queueing the
    same origin again adds only recipients that were missing.
    """
    channels = enabled_channels()
    wanted = {f"{origin}:{r.key}": r for r in recipients if r.channel in channels}
    if not wanted:
        return 0
    now = timezone.now()
    with transaction.atomic():
        existing = set(
            Message.objects.filter(dedupe_key__in=list(wanted)).values_list("dedupe_key", flat=True)
        )
        new = [
            Message(
                user=r.user,
                unit=r.unit,
                citizen=r.citizen,
                channel=r.channel,
                kind=notice.kind,
                subject=notice.subject[:200],
                body=notice.body,
                case=notice.case,
                origin=origin,
                dedupe_key=key,
                created_at=now,
                **(
                    {"status": DeliveryStatus.SENT, "sent_at": now}
                    if r.channel == Channel.IN_APP
                    else {"status": DeliveryStatus.PENDING}
                ),
            )
            for key, r in wanted.items()
            if key not in existing
        ]
        # A concurrent run may insert the same key between our read and write: the unique key
        # keeps one, and ignoring the conflict keeps this run going.
        Message.objects.bulk_create(new, ignore_conflicts=True)
        # Send at once rather than at the next periodic delivery; a channel with no sender
        # configured would only wait again, so it does not call for a delivery run.
        if any(m.channel != Channel.IN_APP and has_sender(m.channel) for m in new):
            enqueue("notifications.deliver")
    return len(new)


def origin_done(origins: Iterable[str]) -> set[str]:
    """Which of these origins already have messages (a rerun skips them without resolving)."""
    return set(
        Message.objects.filter(origin__in=list(origins)).values_list("origin", flat=True).distinct()
    )


def _local(value: str | None) -> str:
    if not value:
        return ""
    moment = dt.datetime.fromisoformat(value)
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def messages_for_event(*, event_id: int) -> int:
    """Queue the messages a case event calls for (EVENT_RULES); returns how many were queued.

    Runs as the task `cases.notify_event` after the action commits; running it again queues
    nothing new.
    """
    event = (
        CaseEvent.objects.select_related("case", "case__citizen", "case__department")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        log.warning("case event %s does not exist; nothing to notify", event_id)
        return 0
    rule = rule_for(Action(event.action), Status(event.to_status))
    if rule is None:
        return 0
    origin = f"event:{event.pk}"
    if origin_done([origin]):
        return 0
    case = event.case
    data = event.data or {}
    department_id = data.get("department") or data.get("returned_by")
    resolver = Resolver()
    department = resolver.unit(department_id or case.department_id)
    deadline = data.get("disposal_deadline") or data.get("step_deadline")
    if event.to_status in {Status.VERIFYING, Status.CHECKING}:
        deadline = data.get("step_deadline")
    subject, body = render(
        rule.subject,
        rule.body,
        {
            "case_no": case.case_no,
            "address": case.address or "—",
            "description": _shorten(case.description),
            "department": str(department) if department else "—",
            "deadline": _local(deadline) or "—",
            "note": event.note or "—",
        },
    )
    recipients = resolver.recipients(
        rule.audiences,
        case,
        department_id=department_id,
        inspector_id=data.get("inspector"),
    )
    return queue(
        notice=Notice(MessageKind.EVENT, subject, body, case), recipients=recipients, origin=origin
    )


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= DESCRIPTION_CHARS else text[: DESCRIPTION_CHARS - 1] + "…"


def mark_read(*, message_id: int, user: User, at: dt.datetime | None = None) -> bool:
    """Mark an in-app message of this user's inbox read; False if it had been read already.

    A unit's message is read for the whole unit by its first reader, who is recorded.
    """
    from finegrid.notifications.selectors import inbox

    if not inbox(user).filter(pk=message_id).exists():
        raise MessageNotFound(message_id)
    rows = Message.objects.filter(pk=message_id, read_at__isnull=True).update(
        read_at=at or timezone.now(), read_by=user
    )
    return rows == 1


def mark_all_read(*, user: User, at: dt.datetime | None = None) -> int:
    from finegrid.notifications.selectors import inbox

    ids = list(inbox(user, unread_only=True).values_list("pk", flat=True))
    return Message.objects.filter(pk__in=ids, read_at__isnull=True).update(
        read_at=at or timezone.now(), read_by=user
    )


def retry_messages(*, message_ids: Iterable[int]) -> int:
    """A person sends failed or given-up messages again, now, with a fresh count of attempts."""
    rows = Message.objects.filter(
        pk__in=list(message_ids), status__in=[DeliveryStatus.FAILED, DeliveryStatus.DEAD]
    ).update(status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=None)
    if rows:
        enqueue("notifications.deliver")
    return rows
