"""The outbox in the admin: readable, citizens masked, never edited, failed messages sent again."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from finegrid.cases.workflow import Action, Status
from finegrid.notifications.delivery import DeliveryReport, deliver_due
from finegrid.notifications.models import DeliveryStatus, Message
from finegrid.notifications.outbox import messages_for_event
from finegrid.org.models import User
from tests.notifications.conftest import citizen_case, event_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(client: Client) -> Client:
    client.force_login(User.objects.create_superuser(username="outbox-admin", password="x"))
    return client


def test_the_outbox_lists_messages_with_the_citizen_masked(
    cast: dict[str, User], superuser: Client
) -> None:
    # given a closing SMS for 王小明 (13912345678)
    case = citizen_case(cast, Status.CLOSED)
    messages_for_event(event_id=event_of(case, Action.CLOSE).pk)
    message = Message.objects.get(case=case)
    # when an administrator opens the outbox and the message
    listing = superuser.get(reverse("admin:notifications_message_changelist"))
    page = superuser.get(reverse("admin:notifications_message_change", args=[message.pk]))
    # then both show the masked contact, never the number or the full name
    assert listing.status_code == 200
    assert page.status_code == 200
    for response in (listing, page):
        html = response.content.decode()
        assert "王** 139****5678" in html
        assert "13912345678" not in html
        assert "王小明" not in html
    # and the message cannot be edited or deleted there
    assert "_save" not in page.content.decode()
    delete = superuser.get(reverse("admin:notifications_message_delete", args=[message.pk]))
    assert delete.status_code == 403


def test_send_again_requeues_a_dead_message(
    cast: dict[str, User], superuser: Client, settings: Settings
) -> None:
    # given an SMS given up after its only attempt failed
    settings.FINEGRID_NOTIFY_MAX_ATTEMPTS = 1
    settings.FINEGRID_SMS_SENDER = "tests.notifications.test_delivery.no_such_gateway"
    case = citizen_case(cast, Status.CLOSED)
    messages_for_event(event_id=event_of(case, Action.CLOSE).pk)
    assert deliver_due() == DeliveryReport(dead=1)
    message = Message.objects.get(case=case)
    # when an administrator sends it again from the outbox
    response = superuser.post(
        reverse("admin:notifications_message_changelist"),
        {"action": "send_again", "_selected_action": [message.pk]},
        follow=True,
    )
    # then it waits to be sent now, with a fresh count
    assert "已将1条失败或已放弃的消息重新排队" in response.content.decode()
    message.refresh_from_db()
    assert (message.status, message.attempts, message.next_attempt_at) == (
        DeliveryStatus.PENDING,
        0,
        None,
    )
