"""The tamper-evident record: `verify_audit` names every edited or deleted event, and a case's
events alone rebuild its row (`replay`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from finegrid.cases import actions
from finegrid.cases.models import Case, CaseEvent, Source
from finegrid.cases.replay import ReplayedState, replay
from finegrid.cases.workflow import Action, Status
from finegrid.catalogue.models import Urgency
from finegrid.worktime.calendar import TimeUnit
from tests.cases.builders import (
    START,
    actor_for,
    after,
    case_in,
    exposed_rubbish,
    grid_point,
    perform,
    shared_spatial_index,  # noqa: F401 (geography unchanged here)
)

pytestmark = pytest.mark.django_db


def verify_audit(*args: str) -> tuple[int, list[str], list[str]]:
    """Run the command: its exit status and its lines on stdout and stderr."""
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
        status = 0
    except CommandError as failed:
        status = failed.returncode
        err.write(str(failed))
    return status, out.getvalue().splitlines(), err.getvalue().splitlines()


def events_of(case: Case) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case).order_by("seq"))


def test_the_record_of_a_full_lifecycle_verifies(cast) -> None:
    # given a case taken from report to close: 10 events
    case_in(Status.CLOSED, cast=cast)

    # when the audit runs
    status, out, err = verify_audit()

    # then it says the chain is whole and exits 0
    assert (status, out, err) == (0, ["审计链完整：10 条事件"], [])


@pytest.mark.parametrize("how", ["raw SQL", "queryset update"])
def test_an_event_edited_by_hand_is_named(cast, how: str) -> None:
    # given two closed cases, and the note of the third step of the first edited by hand
    case = case_in(Status.CLOSED, cast=cast)
    case_in(Status.CLOSED, cast=cast)
    edited = events_of(case)[2]
    if how == "raw SQL":
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {CaseEvent._meta.db_table} SET note = %s WHERE id = %s",
                ["核实无误", edited.pk],
            )
    else:
        CaseEvent.objects.filter(pk=edited.pk).update(note="核实无误")

    # when the audit runs
    status, out, err = verify_audit()

    # then it names that row, its case number and its step, and exits 1
    assert (status, out) == (1, [])
    assert err == [
        f"事件 #{edited.pk}（案卷 {case.case_no} 第 3 步）：内容与哈希不符（记录被修改）",
        "审计发现 1 处问题（共 20 条事件）",
    ]


def test_an_edited_event_data_is_named_too(cast) -> None:
    case = case_in(Status.DISPATCHED, cast=cast)
    dispatch = events_of(case)[-1]
    CaseEvent.objects.filter(pk=dispatch.pk).update(data={**dispatch.data, "department": 1})

    status, _out, err = verify_audit()

    assert status == 1
    assert err[0] == (
        f"事件 #{dispatch.pk}（案卷 {case.case_no} 第 5 步）：内容与哈希不符（记录被修改）"
    )


def test_a_deleted_event_is_named_by_the_row_after_it(cast) -> None:
    # given a closed case whose fifth event was deleted
    case = case_in(Status.CLOSED, cast=cast)
    events = events_of(case)
    CaseEvent.objects.filter(pk=events[4].pk).delete()

    # when the audit runs
    status, _out, err = verify_audit()

    # then the sixth event is named: both its links point at a row that is gone
    sixth = f"事件 #{events[5].pk}（案卷 {case.case_no} 第 6 步）"
    assert status == 1
    assert err == [
        f"{sixth}：与上一条事件的全局链接断开（其前有记录被删除或修改）",
        f"{sixth}：与本案卷第 4 步的链接断开（有记录被删除或修改）",
        "审计发现 2 处问题（共 9 条事件）",
    ]


def test_deleting_the_last_event_breaks_the_chain_tail(cast) -> None:
    case = case_in(Status.CLOSED, cast=cast)
    CaseEvent.objects.filter(pk=events_of(case)[-1].pk).delete()

    status, _out, err = verify_audit()

    assert status == 1
    assert err == [
        "链尾：链尾与最后一条事件不符（最后的记录被删除或修改）",
        "审计发现 1 处问题（共 9 条事件）",
    ]


def test_a_case_row_edited_outside_the_actions_is_named_with_rows(cast) -> None:
    # given a case sent to a department, whose row was then moved on by hand
    case = case_in(Status.DISPATCHED, cast=cast)
    Case.objects.filter(pk=case.pk).update(status=Status.DISPOSED, rework_count=3)

    # when the audit also replays the rows
    plain_status, _out, _err = verify_audit()
    status, _out, err = verify_audit("--rows")

    # then the chain alone is whole, but the replay names the case and both fields
    assert plain_status == 0
    assert status == 1
    assert err == [
        f"案卷 {case.case_no} 的“status”为 disposed，而事件重演为 dispatched",
        f"案卷 {case.case_no} 的“rework_count”为 3，而事件重演为 0",
        "审计发现 2 处问题（共 5 条事件）",
    ]


# --- replay --------------------------------------------------------------------------------------


def test_replay_rebuilds_a_long_winding_case_exactly(cast) -> None:
    # given an urgent report with its category, verified, filed, dispatched, extended, suspended,
    # resumed, reworked, supervised, closed and reopened
    category, rule = exposed_rubbish()
    lon, lat = grid_point()
    case = actions.report_case(
        actor=cast["receptionist"],
        source=Source.HOTLINE,
        lon=lon,
        lat=lat,
        description="垃圾堆积",
        category=category,
        urgency=Urgency.URGENT,
        at=START,
    )
    assert replay(case.pk) == ReplayedState.of_case(case)
    steps = [
        Action.ACCEPT,
        Action.VERIFY,
        Action.FILE,
        Action.DISPATCH,
        Action.SIGN_FOR,
        Action.REQUEST_EXTENSION,
        Action.APPROVE_EXTENSION,
        Action.REQUEST_SUSPENSION,
        Action.APPROVE_SUSPENSION,
        Action.RESUME,
        Action.DISPOSE,
        Action.SEND_CHECK,
        Action.REWORK,
        Action.SUPERVISE,
        Action.DISPOSE,
        Action.SEND_CHECK,
        Action.PASS_CHECK,
        Action.CLOSE,
        Action.REOPEN,
    ]

    for action in steps:
        # when each step is taken (an hour apart)
        extra: dict[str, Any] = {"amount": Decimal(2), "unit": TimeUnit.WORKING_HOURS}
        perform(
            action,
            case=case,
            actor=actor_for(action, case, cast),
            at=after(case, dt.timedelta(hours=1)),
            **(extra if action == Action.REQUEST_EXTENSION else {}),
        )
        case.refresh_from_db()

        # then the events alone give back the row after every one
        assert replay(case.pk) == ReplayedState.of_case(case), action

    assert (case.status, case.urgency, case.rework_count, case.extension_count) == (
        Status.DISPOSING,
        Urgency.URGENT,
        2,
        1,
    )
    assert case.supervised
    assert (case.category_id, case.filing_rule_id, case.closed_at) == (category.pk, rule.pk, None)
