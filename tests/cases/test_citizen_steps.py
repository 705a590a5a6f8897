"""What a citizen does themselves with the tracking code: rate a closed case, or say it is not
fixed (which reopens it). Nobody without the code can; the code opens nothing else."""

from __future__ import annotations

from typing import Any

import pytest

from finegrid.cases import actions, tracking
from finegrid.cases.errors import CaseNotFound, InvalidInput
from finegrid.cases.models import Case, Satisfaction, Source
from finegrid.cases.replay import differences, replay
from finegrid.cases.workflow import CITIZEN_ROLE, Action, ActionNotPermitted, Status
from tests.cases.builders import after, case_in, snapshot

pytestmark = pytest.mark.django_db


def test_a_public_report_gets_a_tracking_code_and_a_staff_report_none(cast: Any) -> None:
    public = case_in(Status.REPORTED, cast=cast, public=True)
    staff = case_in(Status.REPORTED, cast=cast)
    assert public.tracking_code is not None
    assert len(public.tracking_code) == 8
    assert set(public.tracking_code) <= set(tracking.TRACKING_ALPHABET)
    assert staff.tracking_code is None


def test_the_citizen_rates_a_closed_case_once(cast: Any) -> None:
    case = case_in(Status.CLOSED, cast=cast, public=True)
    event = actions.rate_case(
        case_id=case.pk,
        version=case.version,
        actor=None,
        satisfaction=Satisfaction.BASIC,
        note="处理得还行",
        tracking_code=case.tracking_code.lower(),  # type: ignore[union-attr]
        at=after(case),
    )
    case.refresh_from_db()
    assert (case.status, case.satisfaction) == (Status.CLOSED, Satisfaction.BASIC)
    assert (event.actor, event.actor_role, event.data["satisfaction"]) == (
        None,
        CITIZEN_ROLE,
        "basic",
    )
    with pytest.raises(InvalidInput, match="已评价"):
        actions.rate_case(
            case_id=case.pk,
            version=case.version,
            actor=None,
            satisfaction="satisfied",
            tracking_code=case.tracking_code or "",
            at=after(case),
        )
    assert not differences(case, replay(case.pk))


def test_not_fixed_reopens_the_case_and_clears_the_rating(cast: Any) -> None:
    case = case_in(Status.CLOSED, cast=cast, public=True)
    code = case.tracking_code or ""
    actions.rate_case(case_id=case.pk, version=case.version, actor=None,
                      satisfaction="dissatisfied", tracking_code=code, at=after(case))  # fmt: skip
    case.refresh_from_db()
    actions.reopen_case(case_id=case.pk, version=case.version, actor=None,
                        note="垃圾又堆起来了", tracking_code=code, at=after(case))  # fmt: skip
    case.refresh_from_db()
    assert (case.status, case.satisfaction, case.rework_count) == (Status.DISPOSING, "", 1)
    assert case.department is not None
    assert not differences(case, replay(case.pk))


@pytest.mark.parametrize("code", ["", "WRONG234", None])
def test_without_the_right_code_the_case_is_not_found_and_unchanged(cast: Any, code: Any) -> None:
    case = case_in(Status.CLOSED, cast=cast, public=True)
    other = case_in(Status.CLOSED, cast=cast, public=True)
    before = snapshot(case)
    with pytest.raises(CaseNotFound):
        actions.rate_case(
            case_id=case.pk,
            version=case.version,
            actor=None,
            satisfaction="satisfied",
            tracking_code=(other.tracking_code or "") if code is None else code,
            at=after(case),
        )
    assert snapshot(case) == before


def test_the_code_opens_no_other_action(cast: Any) -> None:
    case = case_in(Status.PENDING_CLOSE, cast=cast, public=True)
    before = snapshot(case)
    with pytest.raises(CaseNotFound):  # other actions take no code: without a user, nothing
        actions.close_case(case_id=case.pk, version=case.version, actor=None, at=after(case))  # type: ignore[arg-type]
    with pytest.raises(ActionNotPermitted):  # and the public path refuses them even with it
        actions._begin(
            case_id=case.pk,
            version=case.version,
            actor=None,
            action=Action.CLOSE,
            at=after(case),
            tracking_code=case.tracking_code or "",
        )
    assert snapshot(case) == before


def test_a_receptionist_records_a_rating_on_a_callback(cast: Any) -> None:
    case = case_in(Status.CLOSED, cast=cast, source=Source.HOTLINE)
    actions.rate_case(case_id=case.pk, version=case.version, actor=cast["receptionist"],
                      satisfaction="satisfied", at=after(case))  # fmt: skip
    assert Case.objects.get(pk=case.pk).satisfaction == Satisfaction.SATISFIED
    with pytest.raises(InvalidInput, match="满意"):
        actions.rate_case(case_id=case.pk, version=case.version + 1, actor=cast["receptionist"],
                          satisfaction="great", at=after(case))  # fmt: skip
    assert Action.RATE in {Action(e.action) for e in case.events.all()}


def test_commands_take_every_action_and_refuse_a_missing_field(cast: Any) -> None:
    from finegrid.cases import commands

    assert set(commands.FIELDS) <= set(Action)
    case = case_in(Status.FILED, cast=cast)
    with pytest.raises(InvalidInput) as refused:
        commands.take(
            Action.DISPATCH, case_id=case.pk, version=case.version, actor=cast["dispatcher"]
        )
    assert refused.value.field == "department"
