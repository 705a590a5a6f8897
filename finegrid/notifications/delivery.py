"""Sending what the outbox holds: the senders of each channel, and `deliver_due`, which sends due
messages with retries and exponential back-off and records each outcome on the message.

Senders are plain functions taking the message and raising on failure. `in_app` needs no sending
(a stored message is delivered), `email` uses Django's mail backend, and SMS/WeChat use the
function named by FINEGRID_SMS_SENDER / FINEGRID_WECHAT_SENDER. With none configured, their
messages wait as pending, with last_error saying so, and spend no attempts; a city that will
never send them leaves the channel out of FINEGRID_NOTIFY_CHANNELS, so they are not even queued.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Final

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from finegrid.core.tasks import backoff
from finegrid.notifications.models import Channel, DeliveryStatus, Message

log = logging.getLogger(__name__)

Sender = Callable[[Message], None]

#: How long a delivery run holds a message it is sending; if the run dies, it is due again after.
HOLD: Final = dt.timedelta(minutes=5)
#: How long a message waits before its channel's sender is looked for again.
NO_SENDER_WAIT: Final = dt.timedelta(hours=1)
#: Messages one run sends at most; the next run takes the rest.
BATCH: Final = 500


class DeliveryError(Exception):
    """A sender could not deliver; the message is retried later."""


def deliver_in_app(message: Message) -> None:
    """Stored is delivered: the recipient reads it in the inbox."""


def send_email(message: Message) -> None:
    address = message.user.email if message.user is not None else ""
    if not address:
        raise DeliveryError(_("接收人没有电子邮件地址"))
    send_mail(
        message.subject,
        message.body,
        settings.DEFAULT_FROM_EMAIL,
        [address],
        fail_silently=False,
    )


#: Built-in senders; `register_sender` adds or replaces one (a deployment's own SMS gateway).
SENDERS: dict[str, Sender] = {Channel.IN_APP: deliver_in_app, Channel.EMAIL: send_email}
_CONFIGURED: Final = {Channel.SMS: "FINEGRID_SMS_SENDER", Channel.WECHAT: "FINEGRID_WECHAT_SENDER"}


def register_sender(channel: Channel, sender: Sender) -> None:
    SENDERS[channel] = sender


def _configured_path(channel: str) -> str:
    setting = _CONFIGURED.get(Channel(channel))
    return str(getattr(settings, setting, "")) if setting else ""


def has_sender(channel: str) -> bool:
    """Whether the channel has a sender (without importing a configured one)."""
    return channel in SENDERS or bool(_configured_path(channel))


def sender_for(channel: str) -> Sender | None:
    if channel in SENDERS:
        return SENDERS[channel]
    path = _configured_path(channel)
    if not path:
        return None
    sender: Sender = import_string(path)
    return sender


def max_attempts() -> int:
    return int(getattr(settings, "FINEGRID_NOTIFY_MAX_ATTEMPTS", 6))


def retry_base_seconds() -> float:
    return float(getattr(settings, "FINEGRID_NOTIFY_RETRY_SECONDS", 60))


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    waiting: int = 0  # no sender configured for the channel

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _due(now: dt.datetime) -> Q:
    return Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED]) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def _hold(message_id: int, seen: dt.datetime | None, now: dt.datetime) -> bool:
    """Take the message for this run unless another run took it since we read it."""
    unchanged = Q(next_attempt_at__isnull=True) if seen is None else Q(next_attempt_at=seen)
    rows = Message.objects.filter(_due(now), unchanged, pk=message_id).update(
        next_attempt_at=now + HOLD
    )
    return rows == 1


def deliver_due(*, now: dt.datetime | None = None, limit: int = BATCH) -> DeliveryReport:
    """Send every message that is due, oldest first; safe to run twice or in two places at once.

    A failure counts an attempt and waits base × 2^(attempts − 1) before the next one
    (FINEGRID_NOTIFY_RETRY_SECONDS); after FINEGRID_NOTIFY_MAX_ATTEMPTS the message is dead.
    """
    now = now or timezone.now()
    report = DeliveryReport()
    due = list(
        Message.objects.filter(_due(now))
        .order_by("created_at", "pk")
        .values_list("pk", "next_attempt_at")[:limit]
    )
    for message_id, seen in due:
        if not _hold(message_id, seen, now):
            continue
        message = Message.objects.select_related("user", "citizen").get(pk=message_id)
        mine = Message.objects.filter(pk=message_id, next_attempt_at=now + HOLD)
        try:
            sender = sender_for(message.channel)
            if sender is None:
                mine.update(
                    next_attempt_at=now + NO_SENDER_WAIT,
                    last_error=_("没有配置“%(channel)s”渠道的发送器，消息暂存待发")
                    % {"channel": message.get_channel_display()},
                )
                report.waiting += 1
                continue
            sender(message)
        except Exception as exc:
            attempts = message.attempts + 1
            error = f"{type(exc).__name__}: {exc}"[:2000]
            log.warning("message %s (%s) failed: %s", message_id, message.channel, error)
            if attempts >= max_attempts():
                mine.update(
                    status=DeliveryStatus.DEAD,
                    attempts=attempts,
                    next_attempt_at=None,
                    last_error=error,
                )
                report.dead += 1
            else:
                delay = backoff(attempts, base_seconds=retry_base_seconds())
                mine.update(
                    status=DeliveryStatus.FAILED,
                    attempts=attempts,
                    next_attempt_at=now + delay,
                    last_error=error,
                )
                report.failed += 1
            continue
        mine.update(
            status=DeliveryStatus.SENT,
            attempts=message.attempts + 1,
            next_attempt_at=None,
            sent_at=now,
            last_error="",
        )
        report.sent += 1
    return report
