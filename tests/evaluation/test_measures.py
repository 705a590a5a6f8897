"""The fold's rules on hand-made event lists: each test states a case's history and what it counts for."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from finegrid.evaluation.measures import CaseInfo, Column, Event, Fact, Measure, fold

TZ = ZoneInfo("Asia/Shanghai")
# October 2026, as Unix times.
START = dt.datetime(2026, 10, 1, tzinfo=TZ).timestamp()
END = dt.datetime(2026, 11, 1, tzinfo=TZ).timestamp()
CASE = CaseInfo(1, "hotline", 50, 10, 20, 30, 40)
INSPECTOR_CASE = CaseInfo(2, "inspector", 51, 10, 20, 30, 40)
DEPT, OTHER_DEPT = 7, 8
RECEPTIONIST, INSPECTOR, LEADER, DISPATCHER, HANDLER = 101, 102, 103, 104, 105


def t(day: int, hour: int = 9, minute: int = 0, month: int = 10) -> float:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TZ).timestamp()


def ev(
    action: str,
    to: str,
    at: float,
    *,
    actor: int | None = None,
    step: float | None = None,
    disposal: float | None = None,
    department: int | None = None,
    returned_by: int | None = None,
    satisfaction: str = "",
) -> Event:
    return Event(action, to, actor, at, step, disposal, department, returned_by, satisfaction)


def hours(a: float, b: float) -> float:
    return (b - a) / 3600.0


def measures(fact: Fact | None) -> set[str]:
    assert fact is not None
    return {m.code for m in Measure if fact.has(m)}


def main_line(disposal_deadline: float, disposed_at: float, *, closed_at: float) -> list[Event]:
    """Reported 5 Oct 9:00, every step 10 minutes apart and on time, disposed and closed as given."""
    return [
        ev("report", "reported", t(5, 9, 0), actor=RECEPTIONIST, step=t(5, 9, 30)),
        ev("accept", "verifying", t(5, 9, 10), actor=RECEPTIONIST, step=t(5, 9, 40)),
        ev("verify", "pending_filing", t(5, 9, 20), actor=INSPECTOR, step=t(5, 9, 50)),
        ev("file", "filed", t(5, 9, 30), actor=LEADER, step=t(5, 10, 0)),
        ev(
            "dispatch",
            "dispatched",
            t(5, 9, 40),
            actor=DISPATCHER,
            step=disposal_deadline,
            disposal=disposal_deadline,
            department=DEPT,
        ),
        ev(
            "dispose",
            "disposed",
            disposed_at,
            actor=HANDLER,
            step=disposed_at + 1800,
            disposal=disposal_deadline,
        ),
        ev(
            "send_check",
            "checking",
            disposed_at + 600,
            actor=RECEPTIONIST,
            step=disposed_at + 2400,
            disposal=disposal_deadline,
        ),
        ev(
            "pass_check",
            "pending_close",
            disposed_at + 1200,
            actor=INSPECTOR,
            step=disposed_at + 4800,
            disposal=disposal_deadline,
        ),
        ev("close", "closed", closed_at, actor=LEADER, disposal=disposal_deadline),
    ]


def test_a_case_handled_on_time_within_the_period_counts_everywhere_on_time() -> None:
    events = main_line(t(8), t(6), closed_at=t(6, 15))
    fact = fold(CASE, events, START, END, hours)
    assert measures(fact) == {
        "reported", "valid_reported", "public_verified", "accepted", "accepted_on_time",
        "verified", "verified_on_time", "filed", "filed_on_time", "area_filed", "dispatched",
        "dispatched_on_time", "disposed", "due", "closed", "closed_on_time", "disposed_on_time",
        "check_sent", "check_sent_on_time", "checked", "checked_on_time",
    }  # fmt: skip
    assert fact is not None
    assert fact.columns[Column.DEPARTMENT] == DEPT
    assert fact.columns[Column.RECEPTIONIST] == RECEPTIONIST
    assert fact.columns[Column.VERIFIER] == INSPECTOR
    assert fact.columns[Column.FILER] == LEADER
    assert fact.columns[Column.DISPATCHER] == DISPATCHER
    assert fact.columns[Column.REPORTER] is None  # a hotline case has no reporting inspector
    assert fact.accept_hours == pytest.approx(10 / 60)
    assert fact.dispose_hours == pytest.approx((t(6) - t(5, 9, 40)) / 3600)


def test_late_steps_are_counted_but_not_on_time() -> None:
    events = [
        ev("report", "reported", t(5, 9), step=t(5, 9, 30)),
        ev("accept", "verifying", t(5, 9, 31), actor=RECEPTIONIST, step=t(5, 10, 1)),
        ev("verify", "pending_filing", t(5, 10, 1), actor=INSPECTOR, step=t(5, 10, 31)),
        ev("file", "filed", t(5, 11), actor=LEADER, step=t(5, 11, 30)),
    ]
    got = measures(fold(CASE, events, START, END, hours))
    assert {"accepted", "verified", "verified_on_time", "filed"} <= got
    # accepted a minute after its deadline; verified exactly at its deadline (on time); filed late.
    assert "accepted_on_time" not in got
    assert "filed_on_time" not in got


def test_a_late_disposal_is_overdue_and_closed_but_not_on_time() -> None:
    events = main_line(t(8), t(9), closed_at=t(9, 15))
    got = measures(fold(CASE, events, START, END, hours))
    assert {"due", "closed", "overdue"} <= got
    assert not {"closed_on_time", "disposed_on_time"} & got


def test_an_approved_overdue_appeal_makes_a_late_disposal_count_as_on_time() -> None:
    events = main_line(t(8), t(9), closed_at=t(9, 15))
    events.insert(-1, ev("approve_overdue_appeal", "pending_close", t(9, 14), disposal=t(8)))
    got = measures(fold(CASE, events, START, END, hours))
    assert {"due", "closed", "closed_on_time", "disposed_on_time"} <= got
    assert "overdue" not in got


def test_a_deadline_after_the_period_is_not_due_yet() -> None:
    events = main_line(t(3, month=11), t(20), closed_at=t(20, 15))
    got = measures(fold(CASE, events, START, END, hours))
    assert not {"due", "closed", "closed_on_time", "overdue"} & got
    assert "disposed" in got


def test_an_overdue_case_open_at_the_start_is_due_again_and_one_closed_before_is_not() -> None:
    september = main_line(t(20, month=9), t(2), closed_at=t(2, 12))
    september = [e._replace(at=e.at - 30 * 86400) if e.action in {"report", "accept", "verify",
                 "file", "dispatch"} else e for e in september]  # fmt: skip
    got = measures(fold(CASE, september, START, END, hours))
    assert {"due", "closed", "overdue"} <= got  # due in September, still open on 1 October
    closed_early = main_line(t(20, month=9), t(10, month=9), closed_at=t(12, month=9))
    closed_early = [e._replace(at=e.at - 30 * 86400) if e.action in {"report", "accept",
                    "verify", "file", "dispatch"} else e for e in closed_early]  # fmt: skip
    assert fold(CASE, closed_early, START, END, hours) is None


def test_an_extension_moves_the_deadline_that_decides() -> None:
    events = main_line(t(8), t(9), closed_at=t(9, 15))
    events.insert(5, ev("approve_extension", "disposing", t(7), actor=DISPATCHER, step=t(12),
                        disposal=t(12)))  # fmt: skip
    events = [e._replace(disposal_deadline=t(12)) if e.at > t(7) else e for e in events]
    got = measures(fold(CASE, events, START, END, hours))
    assert {"due", "closed", "closed_on_time", "disposed_on_time", "extended"} <= got


def test_a_suspended_case_is_not_due_and_not_filed_for_its_area() -> None:
    events = main_line(t(8), t(9), closed_at=t(9, 15))[:5]
    events.append(ev("approve_suspension", "suspended", t(6), actor=DISPATCHER))
    got = measures(fold(CASE, events, START, END, hours))
    assert {"filed", "suspended"} <= got
    assert not {"area_filed", "due"} & got


def test_a_cancelled_filed_case_counts_against_accurate_filing_and_is_not_due() -> None:
    events = main_line(t(8), t(9), closed_at=t(9, 15))[:5]
    events.append(ev("cancel", "cancelled", t(6), actor=LEADER, disposal=t(8)))
    got = measures(fold(CASE, events, START, END, hours))
    assert {"filed", "filed_cancelled", "cancelled"} <= got
    assert "due" not in got


def test_a_return_names_the_department_that_returned_and_the_next_one_holds_the_case() -> None:
    events = main_line(t(8), t(7), closed_at=t(7, 15))
    first_dispatch = events[4]
    returned = [
        ev("approve_return", "filed", t(5, 11), actor=DISPATCHER, step=t(5, 11, 30),
           returned_by=DEPT),
        first_dispatch._replace(at=t(5, 11, 10), department_id=OTHER_DEPT,
                                actor_id=DISPATCHER + 1),
    ]  # fmt: skip
    events = [*events[:5], *returned, *events[5:]]
    fact = fold(CASE, events, START, END, hours)
    got = measures(fact)
    assert {"returned", "dispatch_returned", "dispatched", "dispatched_on_time"} <= got
    assert fact is not None
    assert fact.columns[Column.RETURNED_FROM] == DEPT
    assert fact.columns[Column.DEPARTMENT] == OTHER_DEPT
    assert fact.columns[Column.DISPATCHER] == DISPATCHER  # the first dispatch in the period


def test_rework_is_counted_for_the_case_and_against_the_dispatch() -> None:
    events = main_line(t(8), t(7), closed_at=t(7, 15))
    rework = ev("rework", "disposing", t(6, 10), actor=INSPECTOR, disposal=t(8))
    events = [*events[:7], rework, *events[5:]]
    got = measures(fold(CASE, events, START, END, hours))
    assert {"reworked", "dispatch_reworked", "checked"} <= got


@pytest.mark.parametrize(
    ("satisfaction", "expected"),
    [("satisfied", {"rated", "satisfied"}), ("basic", {"rated", "basic_satisfied"}),
     ("dissatisfied", {"rated"})],
)  # fmt: skip
def test_a_rating_in_the_period_counts_by_its_value(satisfaction: str, expected: set[str]) -> None:
    events = main_line(t(8), t(7), closed_at=t(7, 15))
    events.append(ev("rate", "closed", t(10), satisfaction=satisfaction, disposal=t(8)))
    got = measures(fold(CASE, events, START, END, hours))
    assert got & {"rated", "satisfied", "basic_satisfied"} == expected


def test_an_inspectors_report_names_the_inspector_and_is_no_public_report() -> None:
    events = [
        ev("report", "pending_filing", t(5), actor=INSPECTOR, step=t(5, 9, 30)),
        ev("file", "filed", t(5, 9, 10), actor=LEADER, step=t(5, 9, 40)),
    ]
    fact = fold(INSPECTOR_CASE, events, START, END, hours)
    got = measures(fact)
    assert {"reported", "valid_reported", "filed"} <= got
    assert "public_verified" not in got
    assert fact is not None
    assert fact.columns[Column.REPORTER] == INSPECTOR_CASE.reporter_id


def test_an_unfiled_report_is_no_valid_report() -> None:
    events = [ev("report", "reported", t(5), step=t(5, 9, 30)),
              ev("decline", "declined", t(5, 9, 5), actor=RECEPTIONIST)]  # fmt: skip
    got = measures(fold(CASE, events, START, END, hours))
    assert got == {"reported"}


def test_a_case_with_nothing_in_the_period_counts_for_nothing() -> None:
    events = [ev("report", "reported", t(5, month=9), step=t(5, 9, 30, month=9))]
    assert fold(CASE, events, START, END, hours) is None
