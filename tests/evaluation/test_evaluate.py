"""Runs over real cases: figures hand-computed for a small week, case lists that add up to every
figure, re-runs that give the same numbers, publishing and corrections.

The cases are built by the real actions (tests/cases/builders.py) in week 2026-W47, which starts
on Monday 16 November; `Period.parse("2026-W47")` runs to Monday 23 November 00:00.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

import pytest

from finegrid.cases.models import Case, Source
from finegrid.cases.workflow import Action, Status
from finegrid.evaluation import contributed
from finegrid.evaluation.actions import (
    RunNotAllowed,
    add_adjustment,
    discard_run,
    evaluate,
    publish_run,
)
from finegrid.evaluation.models import Result, Run, RunStatus, Scheme
from finegrid.evaluation.periods import Period
from finegrid.evaluation.selectors import cases_behind, current_run, facts_behind
from finegrid.evaluation.subjects import SubjectKind
from finegrid.geo.models import Area, Grid
from finegrid.org.models import Unit, User
from tests.cases.builders import SHANGHAI, START, actor_for, case_in, perform

WEEK = Period.parse("2026-W47")
AFTER_WEEK = dt.datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)
pytestmark = pytest.mark.django_db


@pytest.fixture
def week(cast: Mapping[str, User]) -> dict[str, Case]:
    """Five cases in 湖滨街道 of 明湖区, each a few hours apart on Monday 16 November."""
    cases = {
        "closed": case_in(Status.CLOSED, cast=cast, start=START),
        "open": case_in(Status.DISPOSING, cast=cast, start=START + dt.timedelta(hours=1)),
        "suspended": case_in(Status.SUSPENDED, cast=cast, start=START + dt.timedelta(hours=2)),
        "cancelled": case_in(Status.CANCELLED, cast=cast, start=START + dt.timedelta(hours=3)),
        "own": case_in(
            Status.CLOSED, cast=cast, source=Source.INSPECTOR, start=START + dt.timedelta(hours=4)
        ),
    }
    # The hand computation below needs every disposal deadline inside the week.
    for name in ("closed", "open", "own"):
        deadline = cases[name].disposal_deadline
        assert deadline is not None, name
        assert START <= deadline < WEEK.bounds()[1], (name, deadline)
    return cases


def _schemes(*codes: str) -> list[Scheme]:
    return [Scheme.objects.get(code=code) for code in codes]


def _result(run: Run, kind: SubjectKind, subject_id: int) -> Result:
    return run.results.get(subject_kind=kind.value, subject_id=subject_id)


def test_the_weeks_figures_are_the_hand_computed_ones(
    week: dict[str, Case], cast: Mapping[str, User]
) -> None:
    areas, departments, receptionists, leaders = evaluate(
        schemes=_schemes("areas", "departments", "receptionists", "shift-leaders"),
        period=WEEK,
        actor=None,
        now=AFTER_WEEK,
    )
    district = Area.objects.get(name="明湖区")
    got = _result(areas, SubjectKind.DISTRICT, district.pk)
    # 5 reported; filed: closed, open, suspended, own (4); the cancelled one was cancelled before
    # filing. Area filed excludes the suspended one (3). Due: closed, open, own (3); closed 2,
    # both disposed within minutes, so on time; the open one is past its deadline: overdue.
    assert got.counts["area_filed"] == 3
    assert got.counts["due"] == 3
    assert got.counts["closed"] == 2
    assert got.counts["closed_on_time"] == 2
    assert got.counts["overdue"] == 1
    # Reported by the hotline and filed before the week's end: closed, open, suspended.
    assert got.counts["public_verified"] == 3
    assert got.values["close_rate"] == pytest.approx(2 / 3)
    assert got.values["on_time_close_rate"] == pytest.approx(2 / 3)
    assert got.values["public_report_rate"] == pytest.approx(3 / 3)
    # Items: public report rate 1.0 -> (1 - 1.0) x 100 = 0; close 66.67; on-time 66.67;
    # cases per grid = 3 / (grids in 明湖区) scored by the class bands.
    assert got.item_scores["public_report_rate"] == 0
    assert got.item_scores["close_rate"] == pytest.approx(66.6667, abs=1e-3)
    expected = (
        0 * 10 + got.item_scores["case_count_per_grid"] * 20 + 66.6667 * 30 + 66.6667 * 40
    ) / 100
    assert got.score == pytest.approx(expected, abs=0.01)

    department = Unit.objects.get(name="明湖区城市管理局")
    dept = _result(departments, SubjectKind.DEPARTMENT, department.pk)
    # Dispatched in the week: closed, open, suspended (own is an inspector's, also dispatched).
    assert dept.counts["dispatched"] == 4
    assert dept.counts["due"] == 3
    assert dept.counts["disposed_on_time"] == 2
    assert dept.counts["reworked"] == 0
    assert dept.values["on_time_disposal_rate"] == pytest.approx(2 / 3)
    assert dept.item_scores["dispatched"] == 100  # 4 cases: "≤ 50 → 100"
    assert dept.score == pytest.approx(
        (100 * 10 + 66.6667 * 30 + 66.6667 * 30 + 100 * 30) / 100, abs=0.01
    )

    receptionist = _result(receptionists, SubjectKind.RECEPTIONIST, cast["receptionist"].pk)
    # All five were accepted (an inspector's own report skips only verification), each five
    # minutes after its report: on time against a 30-minute limit.
    assert receptionist.counts["accepted"] == 5
    assert receptionist.counts["accepted_on_time"] == 5
    assert receptionist.counts["check_sent"] == 2
    # In working time: the cases reported at 12:00 and 13:00 were accepted in the lunch break
    # (12:00-14:00 is not worked), so they took 0 working minutes: (5+5+5+0+0)/5 = 3 minutes.
    assert receptionist.values["avg_accept_hours"] == pytest.approx(3 / 60)

    leader = _result(leaders, SubjectKind.SHIFT_LEADER, cast["shiftleader"].pk)
    assert leader.counts["filed"] == 4
    assert leader.counts["filed_cancelled"] == 0
    assert leader.values["accurate_filing_rate"] == 1.0


def test_the_cases_behind_every_figure_add_up_to_it(week: dict[str, Case]) -> None:
    runs = evaluate(schemes=list(Scheme.objects.all()), period=WEEK, actor=None, now=AFTER_WEEK)
    checked = 0
    for run in runs:
        for result in run.results.exclude(rank=0):
            for expression, count in result.counts.items():
                if contributed.get(expression) is not None:
                    continue  # not cases: tests/campaigns/test_scores.py checks campaign counts
                kind = SubjectKind(result.subject_kind)
                assert facts_behind(run, kind, result.subject_id, expression).count() == count, (
                    run.scheme.code,
                    result.code,
                    expression,
                )
                checked += 1
    assert checked > 50
    district = Area.objects.get(name="明湖区")
    behind = cases_behind(runs[0], SubjectKind.DISTRICT, district.pk, "closed_on_time")
    assert set(behind) == {week["closed"], week["own"]}


def test_a_closed_period_evaluates_to_the_same_numbers_after_later_events(
    week: dict[str, Case], cast: Mapping[str, User]
) -> None:
    (first,) = evaluate(schemes=_schemes("areas"), period=WEEK, actor=None, now=AFTER_WEEK)
    case = Case.objects.get(pk=week["open"].pk)
    perform(Action.DISPOSE, case=case, actor=actor_for(Action.DISPOSE, case, cast), at=AFTER_WEEK)
    (second,) = evaluate(schemes=_schemes("areas"), period=WEEK, actor=None, now=AFTER_WEEK)

    def figures(run: Run) -> list[tuple[str, int, float, dict[str, int]]]:
        return [
            (r.subject_kind, r.subject_id, r.score, r.counts)
            for r in run.results.order_by("subject_kind", "subject_id")
        ]

    assert figures(first) == figures(second)
    assert first.snapshot_id != second.snapshot_id


def test_publishing_freezes_a_run_and_a_correction_names_the_run_it_corrects(
    week: dict[str, Case], cast: Mapping[str, User]
) -> None:
    scheme = Scheme.objects.get(code="areas")
    (run,) = evaluate(schemes=[scheme], period=WEEK, actor=None, now=AFTER_WEEK)
    with pytest.raises(RunNotAllowed, match="尚未结束"):
        publish_run(run=run, actor=cast["supervisor"], now=START)
    publish_run(run=run, actor=cast["supervisor"], now=AFTER_WEEK)
    assert Run.objects.get(pk=run.pk).status == RunStatus.PUBLISHED
    with pytest.raises(RunNotAllowed, match="已发布"):
        publish_run(run=run, actor=cast["supervisor"], now=AFTER_WEEK)
    with pytest.raises(RunNotAllowed, match="不能删除"):
        discard_run(run=run, actor=cast["supervisor"])
    with pytest.raises(RunNotAllowed, match="只能更正"):
        evaluate(schemes=[scheme], period=WEEK, actor=None, now=AFTER_WEEK)

    district = Area.objects.get(name="明湖区")
    add_adjustment(
        scheme=scheme,
        period=WEEK,
        subject_kind=SubjectKind.DISTRICT,
        subject_id=district.pk,
        points=Decimal("-2"),
        reason="市容专项检查发现问题",
        actor=cast["supervisor"],
    )
    # The published run did not change; a correction carries the penalty.
    assert _result(run, SubjectKind.DISTRICT, district.pk).adjustment == 0
    (correction,) = evaluate(
        schemes=[scheme], period=WEEK, actor=None, corrects=run, note="补录扣分", now=AFTER_WEEK
    )
    before = _result(run, SubjectKind.DISTRICT, district.pk)
    after = _result(correction, SubjectKind.DISTRICT, district.pk)
    assert after.adjustment == -2
    assert after.score == pytest.approx(before.score - 2)
    assert correction.corrects_id == run.pk
    assert current_run(scheme, WEEK.code) == run  # until the correction is published
    publish_run(run=correction, actor=cast["supervisor"], now=AFTER_WEEK)
    assert current_run(scheme, WEEK.code) == correction


def test_ranks_compare_with_the_previous_period(cast: Mapping[str, User]) -> None:
    other_grid = (
        Grid.objects.exclude(community__parent__parent__name="明湖区")
        .filter(inspectors__isnull=False)
        .order_by("code")
        .first()
    )
    assert other_grid is not None
    case_in(Status.CLOSED, cast=cast, start=START - dt.timedelta(days=7))
    case_in(Status.CLOSED, cast=cast, start=START)
    elsewhere = case_in(Status.CLOSED, cast=cast, start=START, grid=other_grid.code)
    scheme = Scheme.objects.get(code="areas")
    evaluate(schemes=[scheme], period=WEEK.previous(), actor=None, now=AFTER_WEEK)
    (run,) = evaluate(schemes=[scheme], period=WEEK, actor=None, now=AFTER_WEEK)
    mine = _result(run, SubjectKind.DISTRICT, Area.objects.get(name="明湖区").pk)
    other = _result(run, SubjectKind.DISTRICT, elsewhere.district_id)
    assert mine.rank == other.rank == 1  # the same figures: a shared first place
    assert mine.rank_change == 0  # first the week before too
    assert other.rank_change is None  # not ranked the week before: new


def test_an_adjustment_needs_a_reason_and_a_known_subject(cast: Mapping[str, User]) -> None:
    scheme = Scheme.objects.get(code="areas")
    with pytest.raises(RunNotAllowed, match="事由"):
        add_adjustment(
            scheme=scheme, period=WEEK, subject_kind=SubjectKind.DISTRICT,
            subject_id=Area.objects.get(name="明湖区").pk, points=Decimal(1), reason=" ",
            actor=cast["supervisor"],
        )  # fmt: skip
    with pytest.raises(RunNotAllowed, match="不存在"):
        add_adjustment(
            scheme=scheme, period=WEEK, subject_kind=SubjectKind.DISTRICT, subject_id=-5,
            points=Decimal(1), reason="x", actor=cast["supervisor"],
        )  # fmt: skip
    with pytest.raises(RunNotAllowed, match="不考核"):
        add_adjustment(
            scheme=scheme, period=WEEK, subject_kind=SubjectKind.DEPARTMENT, subject_id=1,
            points=Decimal(1), reason="x", actor=cast["supervisor"],
        )  # fmt: skip
