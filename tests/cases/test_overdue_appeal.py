"""超时申诉: an approved overdue appeal exempts a late case from the overdue count, and only that."""

from __future__ import annotations

import pytest

from finegrid.cases import actions
from finegrid.cases.errors import ActionNotPermitted, NoteRequired
from finegrid.cases.replay import ReplayedState, replay
from finegrid.cases.workflow import Status
from finegrid.org.models import User
from tests.cases.builders import case_in, snapshot

pytestmark = pytest.mark.django_db


def test_the_supervisor_approves_an_appeal_and_the_case_keeps_its_status(
    cast: dict[str, User],
) -> None:
    case = case_in(Status.DISPOSING, cast=cast)
    event = actions.approve_overdue_appeal(
        case_id=case.pk, version=case.version, actor=cast["supervisor"], note="暴雨停工，非部门原因"
    )
    case.refresh_from_db()
    assert (event.from_status, event.to_status) == ("disposing", "disposing")
    assert case.status == Status.DISPOSING
    assert case.overdue_exempt is True
    assert replay(case.pk) == ReplayedState.of_case(case)


def test_an_appeal_needs_a_reason_and_the_supervision_centre(cast: dict[str, User]) -> None:
    case = case_in(Status.CLOSED, cast=cast)
    before = snapshot(case)
    with pytest.raises(NoteRequired):
        actions.approve_overdue_appeal(
            case_id=case.pk, version=case.version, actor=cast["supervisor"], note=" "
        )
    with pytest.raises(ActionNotPermitted):
        actions.approve_overdue_appeal(
            case_id=case.pk, version=case.version, actor=cast["dispatcher"], note="理由"
        )
    assert snapshot(case) == before
