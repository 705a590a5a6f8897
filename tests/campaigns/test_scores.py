"""Campaign work as evaluation counts: hand-computed tasks due, on time, late, progress and
rectifications for October 2026, and the department scheme that weighs them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pytest

from finegrid.campaigns.actions import (
    add_task,
    create_plan,
    decide_acceptance,
    report_progress,
    request_acceptance,
)
from finegrid.campaigns.models import Plan, Task
from finegrid.campaigns.scores import (
    behind,
    task_progress,
    tasks_due,
    tasks_late,
    tasks_on_time,
)
from finegrid.evaluation import contributed
from finegrid.evaluation.actions import evaluate
from finegrid.evaluation.models import Result, Scheme
from finegrid.evaluation.periods import Period
from finegrid.evaluation.specs import SchemeInvalid, check_indicator
from finegrid.org.models import Unit, User

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
OCTOBER = Period.parse("2026-10")
AFTER = dt.datetime(2026, 11, 3, 9, tzinfo=SHANGHAI)


def _at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def unit() -> Unit:
    return Unit.objects.get(name="明湖区城市管理局")


@pytest.fixture
def tasks(cast: Mapping[str, User], unit: Unit) -> dict[str, Task]:
    """Five tasks of 明湖区城市管理局 with known histories around October 2026."""
    plan = create_plan(
        actor=cast["supervisor"],
        title="三年行动计划",
        issuer="示范市城市管理委员会",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2027, 12, 31),
    )

    def task(title: str, deadline: dt.date) -> Task:
        return add_task(
            actor=cast["supervisor"],
            plan=plan,
            title=title,
            lead_unit=unit,
            responsible=cast["deptadmin"],
            deadline=deadline,
            at=_at(1, 5),
        )

    made = {
        # Asked on its deadline, accepted two days later: on time.
        "on_time": task("按期", dt.date(2026, 10, 10)),
        # Asked two days after its deadline: late although ticked off in October.
        "asked_late": task("逾期申请", dt.date(2026, 10, 20)),
        # Due in September, still open on 1 October: due again in October, and late.
        "carried": task("上月遗留", dt.date(2026, 9, 30)),
        # Due in September and ticked off then: not October's.
        "done_before": task("上月完成", dt.date(2026, 9, 15)),
        # Due in December: not due; counts for progress at its last report (60 %).
        "later": task("年底", dt.date(2026, 12, 31)),
    }
    deptadmin, leader = cast["deptadmin"], cast["leader"]

    def tick(name: str, asked: dt.datetime, decided: dt.datetime) -> None:
        request = request_acceptance(actor=deptadmin, task=made[name], evidence="完成", at=asked)
        decide_acceptance(actor=leader, request=request, accept=True, at=decided)

    tick("on_time", _at(10, 10, 17), _at(10, 12))
    tick("asked_late", _at(10, 22), _at(10, 23))
    tick("done_before", _at(9, 14), _at(9, 15))
    report_progress(actor=deptadmin, task=made["later"], progress=60, text="过半", at=_at(10, 28))
    report_progress(actor=deptadmin, task=made["carried"], progress=30, text="推进", at=_at(9, 1))
    # Reported after October ended: not October's figure.
    report_progress(actor=deptadmin, task=made["later"], progress=90, text="冲刺", at=_at(11, 2))
    return made


def test_october_counts_follow_the_rules(tasks: dict[str, Task], unit: Unit) -> None:
    key = ("department", unit.pk)

    assert tasks_due(OCTOBER, AFTER)[key] == (3, 0.0)
    assert tasks_on_time(OCTOBER, AFTER)[key] == (1, 0.0)
    assert tasks_late(OCTOBER, AFTER)[key] == (2, 0.0)
    # In force in October: on_time and asked_late (100 each, ticked off by the end), carried
    # (30), later (60); done_before was ticked off before October began.
    count, total = task_progress(OCTOBER, AFTER)[key]
    assert (count, round(total, 6)) == (4, 2.9)


def test_the_tasks_behind_each_figure_are_the_ones_it_counted(
    tasks: dict[str, Task], unit: Unit
) -> None:
    def names(code: str) -> set[str]:
        ids = behind(code, OCTOBER, unit.pk)
        return {name for name, task in tasks.items() if task.pk in ids}

    assert names("campaign_tasks_due") == {"on_time", "asked_late", "carried"}
    assert names("campaign_tasks_on_time") == {"on_time"}
    assert names("campaign_tasks_late") == {"asked_late", "carried"}
    assert names("campaign_progress") == {"on_time", "asked_late", "carried", "later"}
    assert behind("inspection_items", OCTOBER, unit.pk) == []


def test_the_department_scheme_scores_campaign_work(tasks: dict[str, Task], unit: Unit) -> None:
    scheme = Scheme.objects.get(code="departments-campaigns")

    (run,) = evaluate(schemes=[scheme], period=OCTOBER, actor=None, now=AFTER)

    result = Result.objects.get(run=run, subject_kind="department", subject_id=unit.pk)
    assert result.counts["campaign_tasks_due"] == 3
    assert result.values["campaign_task_on_time_rate"] == pytest.approx(1 / 3, abs=1e-9)
    assert result.values["campaign_tasks_late"] == 2.0
    assert result.values["campaign_progress"] == pytest.approx(0.725)
    assert result.item_scores["campaign_task_on_time_rate"] == pytest.approx(33.3333, abs=1e-4)
    # Nothing was inspected and no rectification was due: those items score their empty score.
    assert result.values["rectification_rate"] is None
    assert result.item_scores["rectification_rate"] == 100.0
    assert result.rank > 0
    stored = run.snapshot.inputs["contributed"]["campaign_tasks_due"]
    assert stored[f"department:{unit.pk}"] == [3, 0.0]


def test_a_recomputed_october_ignores_later_work(tasks: dict[str, Task], unit: Unit) -> None:
    scheme = Scheme.objects.get(code="departments-campaigns")
    (first,) = evaluate(schemes=[scheme], period=OCTOBER, actor=None, now=AFTER)
    carried = Task.objects.get(pk=tasks["carried"].pk)
    request = request_acceptance(
        actor=carried.responsible, task=carried, evidence="补做完成", at=_at(11, 5)
    )
    decide_acceptance(actor=User.objects.get(username="leader"), request=request, accept=True)

    (second,) = evaluate(schemes=[scheme], period=OCTOBER, actor=None, now=AFTER)

    def values(run_id: int) -> object:
        return Result.objects.get(run_id=run_id, subject_id=unit.pk).values

    assert values(second.pk) == values(first.pk)


def test_campaign_measures_are_not_mixed_with_case_measures() -> None:
    class Mixed:
        kind = "ratio"
        numerator = "campaign_tasks_on_time"
        denominator = "due"

    with pytest.raises(SchemeInvalid, match="不能与案卷度量混用"):
        check_indicator(Mixed())
    assert contributed.get("campaign_tasks_due") is not None


def test_with_no_campaign_work_the_counts_are_empty() -> None:
    assert not Plan.objects.exists()
    assert tasks_due(OCTOBER, AFTER) == {}
    assert task_progress(OCTOBER, AFTER) == {}
