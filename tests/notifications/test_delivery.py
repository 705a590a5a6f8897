"""Delivery: e-mail through Django's mail backend, retries with back-off, dead after the limit,
channels without a sender waiting, and runs that never send a message twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from pytest_django.fixtures import Settings

from finegrid.cases.models import Case
from finegrid.cases.workflow import Action, Status
from finegrid.notifications import delivery
from finegrid.notifications.delivery import DeliveryReport, deliver_due
from finegrid.notifications.models import Channel, DeliveryStatus, Message
from finegrid.notifications.outbox import messages_for_event, retry_messages
from finegrid.org.models import User
from tests.cases.builders import case_in
from tests.notifications.conftest import citizen_case, event_of

pytestmark = pytest.mark.django_db

SENT_SMS: list[tuple[str, str]] = []


def record_sms(message: Message) -> None:
    """A stand-in SMS gateway, named by its dotted path in FINEGRID_SMS_SENDER."""
    assert message.citizen is not None
    SENT_SMS.append((message.citizen.phone, message.body))


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that refuses every message."""

    def send_messages(self, email_messages: Any) -> int:
        raise ConnectionRefusedError("SMTP 服务器拒绝连接")


def dispatched_with_email(cast: dict[str, User]) -> tuple[Case, Message]:
    case = case_in(Status.DISPATCHED, cast=cast)
    messages_for_event(event_id=event_of(case, Action.DISPATCH).pk)
    return case, Message.objects.get(case=case, channel=Channel.EMAIL)


def test_email_goes_out_through_the_mail_backend_once(
    cast: dict[str, User], handler_with_email: User
) -> None:
    # given a dispatch e-mail waiting for the handler
    case, email = dispatched_with_email(cast)
    now = timezone.now()
    # when delivery runs, and runs again
    first = deliver_due(now=now)
    second = deliver_due(now=now + dt.timedelta(minutes=1))
    # then exactly one e-mail left, to the handler, and the message records it
    assert first == DeliveryReport(sent=1, failed=0, dead=0, waiting=0)
    assert second == DeliveryReport()
    assert [(m.to, m.subject, m.from_email) for m in mail.outbox] == [
        (["chenjing@example.gov.cn"], f"新派遣案卷{case.case_no}", "finegrid@localhost")
    ]
    assert mail.outbox[0].body == email.body
    email.refresh_from_db()
    assert (email.status, email.attempts, email.sent_at, email.last_error) == (
        DeliveryStatus.SENT,
        1,
        now,
        "",
    )


def test_a_failing_server_is_retried_with_back_off_then_given_up(
    cast: dict[str, User], handler_with_email: User, settings: Settings
) -> None:
    # given an SMTP server that refuses, 3 attempts allowed, 60 s back-off base
    settings.EMAIL_BACKEND = "tests.notifications.test_delivery.RefusingBackend"
    settings.FINEGRID_NOTIFY_MAX_ATTEMPTS = 3
    settings.FINEGRID_NOTIFY_RETRY_SECONDS = 60
    _case, email = dispatched_with_email(cast)
    t0 = timezone.now()

    def state() -> tuple[str, int, dt.datetime | None, str]:
        email.refresh_from_db()
        return email.status, email.attempts, email.next_attempt_at, email.last_error

    error = "ConnectionRefusedError: SMTP 服务器拒绝连接"
    # when delivery runs: it fails and waits 60 s
    assert deliver_due(now=t0) == DeliveryReport(failed=1)
    assert state() == (DeliveryStatus.FAILED, 1, t0 + dt.timedelta(seconds=60), error)
    # a run before the wait is over leaves it alone
    assert deliver_due(now=t0 + dt.timedelta(seconds=59)) == DeliveryReport()
    assert state() == (DeliveryStatus.FAILED, 1, t0 + dt.timedelta(seconds=60), error)
    # the second failure doubles the wait
    t1 = t0 + dt.timedelta(seconds=60)
    assert deliver_due(now=t1) == DeliveryReport(failed=1)
    assert state() == (DeliveryStatus.FAILED, 2, t1 + dt.timedelta(seconds=120), error)
    # the third is the last: dead, and never tried again
    t2 = t1 + dt.timedelta(seconds=120)
    assert deliver_due(now=t2) == DeliveryReport(dead=1)
    assert state() == (DeliveryStatus.DEAD, 3, None, error)
    assert deliver_due(now=t2 + dt.timedelta(days=1)) == DeliveryReport()
    assert state() == (DeliveryStatus.DEAD, 3, None, error)
    assert mail.outbox == []


def test_a_dead_message_sent_again_by_a_person_goes_out(
    cast: dict[str, User], handler_with_email: User, settings: Settings
) -> None:
    # given an e-mail given up after one refused attempt
    settings.EMAIL_BACKEND = "tests.notifications.test_delivery.RefusingBackend"
    settings.FINEGRID_NOTIFY_MAX_ATTEMPTS = 1
    _case, email = dispatched_with_email(cast)
    assert deliver_due() == DeliveryReport(dead=1)
    # when the server is back and a person sends it again
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert retry_messages(message_ids=[email.pk]) == 1
    report = deliver_due()
    # then it goes out
    assert report == DeliveryReport(sent=1)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (DeliveryStatus.SENT, 1)
    assert [m.to for m in mail.outbox] == [["chenjing@example.gov.cn"]]


def test_sms_without_a_sender_waits_without_spending_attempts(
    cast: dict[str, User], settings: Settings
) -> None:
    # given a closing SMS for a citizen, and no SMS sender configured
    settings.FINEGRID_SMS_SENDER = ""
    case = citizen_case(cast, Status.CLOSED)
    messages_for_event(event_id=event_of(case, Action.CLOSE).pk)
    t0 = timezone.now()
    # when delivery runs
    report = deliver_due(now=t0)
    # then the message stays pending, says why, and is looked at again in an hour
    assert report == DeliveryReport(waiting=1)
    sms = Message.objects.get(case=case)
    assert (sms.status, sms.attempts, sms.next_attempt_at, sms.last_error) == (
        DeliveryStatus.PENDING,
        0,
        t0 + dt.timedelta(hours=1),
        "没有配置“短信”渠道的发送器，消息暂存待发",
    )

    # when a sender is configured and the hour has passed
    settings.FINEGRID_SMS_SENDER = "tests.notifications.test_delivery.record_sms"
    SENT_SMS.clear()
    report = deliver_due(now=t0 + dt.timedelta(hours=1))
    # then the SMS goes out through it
    assert report == DeliveryReport(sent=1)
    assert [
        ("13912345678", f"您反映的问题（{case.case_no}）已处理完毕并结案，感谢您对城市管理的支持。")
    ] == SENT_SMS
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.last_error) == (DeliveryStatus.SENT, 1, "")


def test_a_message_in_hand_is_not_sent_by_a_second_run(
    cast: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an SMS gateway that is slow enough for a second delivery run to start meanwhile
    inner: list[DeliveryReport] = []
    calls: list[int] = []

    def slow_gateway(message: Message) -> None:
        calls.append(message.pk)
        inner.append(deliver_due())

    monkeypatch.setitem(delivery.SENDERS, Channel.SMS, slow_gateway)
    case = citizen_case(cast, Status.CLOSED)
    messages_for_event(event_id=event_of(case, Action.CLOSE).pk)
    # when a delivery run sends it
    outer = deliver_due()
    # then the second run found it held and sent nothing; the SMS went out once
    assert inner == [DeliveryReport()]
    assert outer == DeliveryReport(sent=1)
    assert calls == [Message.objects.get(case=case).pk]


def test_in_app_messages_are_delivered_when_stored(cast: dict[str, User]) -> None:
    # given a dispatch whose department has no member with an e-mail address
    case = case_in(Status.DISPATCHED, cast=cast)
    messages_for_event(event_id=event_of(case, Action.DISPATCH).pk)
    # when delivery runs
    report = deliver_due()
    # then there was nothing left to send: the inbox message was delivered on arrival
    assert report == DeliveryReport()
    message = Message.objects.get(case=case)
    assert (message.channel, message.status, message.attempts) == (
        Channel.IN_APP,
        DeliveryStatus.SENT,
        0,
    )
    assert message.sent_at == message.created_at


def test_a_sender_path_that_does_not_import_fails_the_message_with_the_reason(
    cast: dict[str, User], settings: Settings
) -> None:
    # given an SMS sender setting naming a function that does not exist
    settings.FINEGRID_SMS_SENDER = "tests.notifications.test_delivery.no_such_gateway"
    case = citizen_case(cast, Status.CLOSED)
    messages_for_event(event_id=event_of(case, Action.CLOSE).pk)
    now = timezone.now()
    # when delivery runs
    report = deliver_due(now=now)
    # then the message failed with the import error, to be retried after the back-off
    assert report == DeliveryReport(failed=1)
    sms = Message.objects.get(case=case)
    assert (sms.status, sms.attempts, sms.next_attempt_at) == (
        DeliveryStatus.FAILED,
        1,
        now + dt.timedelta(seconds=60),
    )
    assert sms.last_error == (
        'ImportError: Module "tests.notifications.test_delivery" does not define a '
        '"no_such_gateway" attribute/class'
    )
