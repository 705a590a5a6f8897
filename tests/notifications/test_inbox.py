"""The in-app inbox: a user's own messages and their unit's, read marks, and nobody else's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from finegrid.cases.workflow import Action, Status
from finegrid.notifications.models import Message
from finegrid.notifications.outbox import (
    MessageNotFound,
    mark_all_read,
    mark_read,
    messages_for_event,
)
from finegrid.notifications.selectors import inbox, unread_count
from finegrid.org.actions import upsert_staff_user
from finegrid.org.models import User
from finegrid.org.roles import Role
from tests.cases.builders import case_in
from tests.notifications.conftest import event_of

pytestmark = pytest.mark.django_db


def subjects(user: User) -> list[str]:
    return [m.subject for m in inbox(user)]


@pytest.fixture
def dispatched_and_verifying(cast: dict[str, User]) -> tuple[Message, Message]:
    """A dispatch message to 明湖区城市管理局 and a verification task for the grid's inspector."""
    dispatched = case_in(Status.DISPATCHED, cast=cast)
    messages_for_event(event_id=event_of(dispatched, Action.DISPATCH).pk)
    verifying = case_in(Status.VERIFYING, cast=cast)
    messages_for_event(event_id=event_of(verifying, Action.ACCEPT).pk)
    return Message.objects.get(case=dispatched), Message.objects.get(case=verifying)


def test_a_units_message_is_in_every_members_inbox_and_nobody_elses(
    cast: dict[str, User], dispatched_and_verifying: tuple[Message, Message]
) -> None:
    # given a message to the department and one to the inspector
    to_department, to_inspector = dispatched_and_verifying
    # when each user opens their inbox
    # then the department's two members see its message, the inspector theirs, others nothing
    assert subjects(cast["handler"]) == [to_department.subject]
    assert subjects(cast["deptadmin"]) == [to_department.subject]
    assert subjects(cast["inspector"]) == [to_inspector.subject]
    assert subjects(cast["dispatcher"]) == []
    assert unread_count(cast["handler"]) == 1


def test_the_first_reader_marks_a_units_message_read_for_the_unit(
    cast: dict[str, User], dispatched_and_verifying: tuple[Message, Message]
) -> None:
    # given the department's message, unread
    to_department, _to_inspector = dispatched_and_verifying
    moment = timezone.now()
    # when the department admin reads it, and then the handler opens it too
    first = mark_read(message_id=to_department.pk, user=cast["deptadmin"], at=moment)
    second = mark_read(
        message_id=to_department.pk, user=cast["handler"], at=moment + dt.timedelta(minutes=5)
    )
    # then it is read once, by the admin, and the handler has nothing unread
    assert (first, second) == (True, False)
    to_department.refresh_from_db()
    assert (to_department.read_at, to_department.read_by) == (moment, cast["deptadmin"])
    assert unread_count(cast["handler"]) == 0
    assert list(inbox(cast["handler"], unread_only=True)) == []


def test_reading_someone_elses_message_is_refused_and_changes_nothing(
    cast: dict[str, User], dispatched_and_verifying: tuple[Message, Message]
) -> None:
    # given the inspector's verification task
    _to_department, to_inspector = dispatched_and_verifying
    # when the handler tries to mark it read
    with pytest.raises(MessageNotFound):
        mark_read(message_id=to_inspector.pk, user=cast["handler"])
    # then it is still unread
    to_inspector.refresh_from_db()
    assert (to_inspector.read_at, to_inspector.read_by) == (None, None)


def test_an_inactive_user_has_an_empty_inbox(
    cast: dict[str, User], dispatched_and_verifying: tuple[Message, Message]
) -> None:
    # given a handler whose account was switched off
    handler = cast["handler"]
    handler.is_active = False
    # when their inbox is read
    # then it is empty, and they cannot mark their unit's message read
    assert subjects(handler) == []
    with pytest.raises(MessageNotFound):
        mark_read(message_id=dispatched_and_verifying[0].pk, user=handler)


def test_mark_all_read_marks_only_the_users_inbox(
    cast: dict[str, User], dispatched_and_verifying: tuple[Message, Message]
) -> None:
    # given unread messages for the department and for the inspector
    to_department, to_inspector = dispatched_and_verifying
    # when the handler marks everything read
    marked = mark_all_read(user=cast["handler"])
    # then the department's message is read and the inspector's is not
    assert marked == 1
    to_department.refresh_from_db()
    to_inspector.refresh_from_db()
    assert to_department.read_by == cast["handler"]
    assert to_inspector.read_at is None


def test_a_user_moved_to_another_unit_sees_that_units_messages(
    cast: dict[str, User], dispatched_and_verifying: tuple[Message, Message]
) -> None:
    # given the dispatcher, moved into 明湖区城市管理局 as a handler
    dispatcher = cast["dispatcher"]
    moved = upsert_staff_user(
        username=dispatcher.username,
        full_name=dispatcher.full_name,
        roles=[Role.HANDLER],
        unit=cast["handler"].unit,
    )
    # when they open their inbox
    # then the department's message is there
    assert subjects(moved) == [dispatched_and_verifying[0].subject]
