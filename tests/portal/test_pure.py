"""The portal's pure parts: phone numbers, tracking codes as typed, and what the public timeline
says of every action and status."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from finegrid.cases import tracking as codes
from finegrid.cases.workflow import Action, Status
from finegrid.portal import timeline
from finegrid.portal.phones import normalise_phone


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),  # full-width digits from a Chinese keyboard
        ("010-12345678", "010-12345678"),
        ("(021) 6123-4567", "021-61234567"),
        ("02161234567", "021-61234567"),
        ("0571-8888888", "0571-8888888"),
        ("0571-88888888转801", "0571-88888888-801"),
        ("021-61234567-801", "021-61234567-801"),
        ("", ""),
    ],
)
def test_phone_numbers_people_type_are_stored_tidily(typed: str, stored: str) -> None:
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize(
    "typed", ["1381234567", "138123456789", "12812345678", "12345", "021-1234", "phone", "110"]
)
def test_what_is_not_a_phone_number_is_refused(typed: str) -> None:
    with pytest.raises(ValidationError, match="请填写正确的手机号"):
        normalise_phone(typed)


@pytest.mark.parametrize(
    "typed", ["ABCD2345", "abcd2345", "ABCD-2345", " abcd 2345 ", "ＡＢＣＤ－２３４５"]
)
def test_codes_are_read_however_they_are_typed(typed: str) -> None:
    assert codes.normalise(typed) == "ABCD2345"
    assert codes.is_well_formed(codes.normalise(typed))


@pytest.mark.parametrize("code", ["ABCD234", "ABCD23456", "ABCD2340", "ABCDI234", ""])
def test_codes_we_never_issue_are_malformed(code: str) -> None:
    assert not codes.is_well_formed(code)  # wrong length, or 0 and I (not in the alphabet)


def test_codes_are_shown_in_two_groups() -> None:
    assert codes.display("ABCD2345") == "ABCD-2345"


#: Steps the public never sees: internal requests and refusals, supervision, appeals, sending an
#: inspector. A new action must be named here or given a public title: nothing leaks by default.
HIDDEN = {
    Action.REQUEST_EXTENSION,
    Action.REJECT_EXTENSION,
    Action.REQUEST_RETURN,
    Action.APPROVE_RETURN,
    Action.REJECT_RETURN,
    Action.REQUEST_SUSPENSION,
    Action.REJECT_SUSPENSION,
    Action.SEND_CHECK,
    Action.SUPERVISE,
    Action.APPROVE_OVERDUE_APPEAL,
}


def test_every_action_is_either_shown_in_plain_words_or_deliberately_hidden() -> None:
    shown = set(timeline._STEP_TITLES)
    assert shown | HIDDEN == set(Action)
    assert not shown & HIDDEN


def test_every_status_has_plain_words_and_a_stage() -> None:
    assert set(timeline.PUBLIC_STATUS) == set(Status)
    assert timeline.public_status(Status.CLOSED) == "已办结"
    assert timeline.public_stage(Status.REPORTED) == "new"
