"""The outbox rules: which events call for messages, to whom, on which channel, and never twice."""

from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings

from finegrid.cases.models import Case, Source
from finegrid.cases.workflow import Action, Status
from finegrid.core.models import Job
from finegrid.notifications.models import Channel, DeliveryStatus, Message, MessageKind
from finegrid.notifications.outbox import messages_for_event
from finegrid.notifications.rules import EVENT_RULES
from finegrid.org.models import User
from tests.cases.builders import case_in, perform
from tests.notifications.conftest import citizen_case, event_of

pytestmark = pytest.mark.django_db

DEPARTMENT = "明湖区城市管理局"
SUPERVISION = "示范市城市运行管理监督中心"
COMMAND = "示范市城市运行管理指挥中心"


def sent_to(case: Case) -> list[tuple[str, str, str]]:
    """(recipient, channel, status) of every message about the case, in a stable order."""
    return sorted(
        (m.recipient_label(), m.channel, m.status)
        for m in Message.objects.filter(case=case).select_related("user", "unit", "citizen")
    )


def test_dispatch_tells_the_department_in_app_and_its_members_by_email(
    cast: dict[str, User], handler_with_email: User
) -> None:
    # given a case dispatched to 明湖区城市管理局 at 09:20 with 2 working hours to dispose
    case = case_in(Status.DISPATCHED, cast=cast)
    event = event_of(case, Action.DISPATCH)
    # when the event's messages are queued
    queued = messages_for_event(event_id=event.pk)
    # then the department's inbox has it (delivered) and its handler has an e-mail waiting
    assert queued == 2
    assert sent_to(case) == [
        (DEPARTMENT, Channel.IN_APP, DeliveryStatus.SENT),
        ("陈静", Channel.EMAIL, DeliveryStatus.PENDING),
    ]
    email = Message.objects.get(case=case, channel=Channel.EMAIL)
    assert email.kind == MessageKind.EVENT
    assert email.subject == f"新派遣案卷{case.case_no}"
    assert email.body == (
        f"案卷{case.case_no}已派遣至明湖区城市管理局，请签收并于2026-11-16 11:20前处置。"
        f"地点：{case.address}。问题：{case.description}"
    )
    assert email.origin == f"event:{event.pk}"
    assert email.dedupe_key == f"event:{event.pk}:u{handler_with_email.pk}:email"
    assert email.attempts == 0
    assert email.next_attempt_at is None


def test_the_same_event_never_queues_twice(cast: dict[str, User], handler_with_email: User) -> None:
    # given a dispatch whose messages were queued
    case = case_in(Status.DISPATCHED, cast=cast)
    event = event_of(case, Action.DISPATCH)
    messages_for_event(event_id=event.pk)
    before = list(Message.objects.filter(case=case).values("pk", "dedupe_key", "status"))
    # when the task runs again (a retried job)
    queued = messages_for_event(event_id=event.pk)
    # then nothing new is queued and nothing changed
    assert queued == 0
    assert list(Message.objects.filter(case=case).values("pk", "dedupe_key", "status")) == before


def test_acceptance_for_verification_tells_the_inspector(cast: dict[str, User]) -> None:
    # given a hotline report accepted at 09:05 and sent to its grid's inspector
    case = case_in(Status.VERIFYING, cast=cast)
    # when the acceptance's messages are queued
    queued = messages_for_event(event_id=event_of(case, Action.ACCEPT).pk)
    # then the inspector has a task in the inbox with the verification deadline
    assert queued == 1
    message = Message.objects.get(case=case)
    assert (message.user, message.channel) == (case.inspector, Channel.IN_APP)
    assert message.subject == f"请核实案卷{case.case_no}"
    assert message.body == (
        f"案卷{case.case_no}待您到现场核实，请于2026-11-16 09:35前完成。"
        f"地点：{case.address}。问题：{case.description}"
    )


def test_an_inspectors_own_report_accepted_tells_nobody(cast: dict[str, User]) -> None:
    # given an inspector's report, accepted straight to filing (no verification)
    case = case_in(Status.PENDING_FILING, cast=cast, source=Source.INSPECTOR)
    # when the acceptance's messages are queued
    queued = messages_for_event(event_id=event_of(case, Action.ACCEPT).pk)
    # then nobody is told: the rule is for acceptance into verification only
    assert queued == 0
    assert sent_to(case) == []


def test_send_check_tells_the_inspector(cast: dict[str, User]) -> None:
    # given a disposed case sent to the grid's inspector to check
    case = case_in(Status.CHECKING, cast=cast)
    # when the send-check event's messages are queued
    messages_for_event(event_id=event_of(case, Action.SEND_CHECK).pk)
    # then the inspector is asked to check
    message = Message.objects.get(case=case)
    assert (message.user, message.subject) == (case.inspector, f"请核查案卷{case.case_no}")


def test_closing_tells_the_citizen_by_sms(cast: dict[str, User]) -> None:
    # given a citizen's report, with a phone, taken to closing
    case = citizen_case(cast, Status.CLOSED)
    # when the close event's messages are queued
    queued = messages_for_event(event_id=event_of(case, Action.CLOSE).pk)
    # then one SMS waits for the citizen, masked wherever it is shown
    assert queued == 1
    assert sent_to(case) == [("王** 139****5678", Channel.SMS, DeliveryStatus.PENDING)]
    message = Message.objects.get(case=case)
    assert message.citizen == case.citizen
    assert message.body == (
        f"您反映的问题（{case.case_no}）已处理完毕并结案，感谢您对城市管理的支持。"
    )


def test_closing_without_a_phone_tells_nobody(cast: dict[str, User]) -> None:
    # given a citizen's report without a phone, closed
    case = citizen_case(cast, Status.CLOSED, phone="")
    # when the close event's messages are queued
    queued = messages_for_event(event_id=event_of(case, Action.CLOSE).pk)
    # then there is no one to tell
    assert queued == 0
    assert sent_to(case) == []


def test_supervision_tells_the_department_and_the_supervision_centre(
    cast: dict[str, User],
) -> None:
    # given a case in disposal that the leader supervises
    case = case_in(Status.DISPOSING, cast=cast)
    perform(Action.SUPERVISE, case=case, actor=cast["leader"], note="三天内必须解决")
    # when the event's messages are queued
    messages_for_event(event_id=event_of(case, Action.SUPERVISE).pk)
    # then both hear, with the leader's words
    assert sent_to(case) == [
        (DEPARTMENT, Channel.IN_APP, DeliveryStatus.SENT),
        (SUPERVISION, Channel.IN_APP, DeliveryStatus.SENT),
    ]
    assert {m.body for m in Message.objects.filter(case=case)} == {
        f"案卷{case.case_no}已被列为督办案卷，请加快办理。督办意见：三天内必须解决"
    }


def test_an_extension_request_goes_to_the_command_centre(cast: dict[str, User]) -> None:
    # given a department asking for more time
    case = case_in(Status.EXTENSION_REQUESTED, cast=cast)
    # when the request's messages are queued
    messages_for_event(event_id=event_of(case, Action.REQUEST_EXTENSION).pk)
    # then the dispatchers' centre is asked to decide
    message = Message.objects.get(case=case)
    assert message.unit is not None
    assert message.unit.name == COMMAND
    assert (
        message.body
        == f"明湖区城市管理局申请延期处置案卷{case.case_no}，请审批。理由：测试：申请延期"
    )


def test_an_approved_return_tells_the_department_that_returned_it(cast: dict[str, User]) -> None:
    # given a return the dispatcher approved (the case no longer has a department)
    case = case_in(Status.RETURN_REQUESTED, cast=cast)
    perform(Action.APPROVE_RETURN, case=case, actor=cast["dispatcher"])
    case.refresh_from_db()
    assert case.department_id is None
    # when the approval's messages are queued
    messages_for_event(event_id=event_of(case, Action.APPROVE_RETURN).pk)
    # then the department that asked hears the answer
    assert sent_to(case) == [(DEPARTMENT, Channel.IN_APP, DeliveryStatus.SENT)]


def test_an_event_without_a_rule_queues_nothing(cast: dict[str, User]) -> None:
    # given a sign-for, which no rule names
    case = case_in(Status.DISPOSING, cast=cast)
    assert (Action.SIGN_FOR, None) not in EVENT_RULES
    # when its messages are queued
    queued = messages_for_event(event_id=event_of(case, Action.SIGN_FOR).pk)
    # then there are none
    assert queued == 0
    assert sent_to(case) == []


def test_an_unknown_event_queues_nothing(cast: dict[str, User]) -> None:
    # given no event with this id
    # when its messages are asked for
    queued = messages_for_event(event_id=987654321)
    # then none are queued
    assert queued == 0
    assert Message.objects.count() == 0


def test_a_channel_switched_off_is_never_queued(
    cast: dict[str, User], handler_with_email: User, settings: Settings
) -> None:
    # given a city that sends no e-mail
    settings.FINEGRID_NOTIFY_CHANNELS = ["in_app", "sms"]
    case = case_in(Status.DISPATCHED, cast=cast)
    # when a dispatch's messages are queued
    queued = messages_for_event(event_id=event_of(case, Action.DISPATCH).pk)
    # then only the department's inbox gets one
    assert queued == 1
    assert sent_to(case) == [(DEPARTMENT, Channel.IN_APP, DeliveryStatus.SENT)]


def test_an_email_queued_calls_for_a_delivery_and_an_sms_without_sender_does_not(
    cast: dict[str, User], handler_with_email: User, settings: Settings
) -> None:
    # given the database backend and no SMS sender
    settings.FINEGRID_TASK_BACKEND = "database"
    settings.FINEGRID_SMS_SENDER = ""
    dispatched = case_in(Status.DISPATCHED, cast=cast)
    closed = citizen_case(cast, Status.CLOSED)
    # when a dispatch (with an e-mail) and a closing (with an SMS) queue their messages
    messages_for_event(event_id=event_of(dispatched, Action.DISPATCH).pk)
    after_dispatch = Job.objects.filter(name="notifications.deliver").count()
    messages_for_event(event_id=event_of(closed, Action.CLOSE).pk)
    after_close = Job.objects.filter(name="notifications.deliver").count()
    # then the e-mail asked for a delivery run at once, the SMS that cannot go out did not
    assert (after_dispatch, after_close) == (1, 1)
