"""The simulator: deterministic for a seed, through the actions only, with the mix a city sees."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Max, Min
from django.test import override_settings
from django.utils import timezone

from finegrid.cases.events import verify_chain
from finegrid.cases.models import Case, CaseEvent
from finegrid.cases.simulate import SimulationError, SimulationResult, simulate
from finegrid.cases.workflow import Action, Status
from finegrid.worktime.selectors import get_calendar

pytestmark = pytest.mark.django_db
MONDAY = dt.date(2026, 11, 2)


def short_run(seed: int = 1, *, days: int = 3, per_day: int = 15) -> SimulationResult:
    return simulate(days=days, seed=seed, start=MONDAY, per_day=per_day)


def test_the_same_seed_runs_the_same_steps_at_the_same_times() -> None:
    first = short_run(1, days=2, per_day=10)
    second = short_run(1, days=2, per_day=10)
    other = short_run(2, days=2, per_day=10)

    assert second.digest == first.digest
    assert second.steps == first.steps
    assert second.by_source == first.by_source
    assert second.by_status == first.by_status
    assert second.actions == first.actions
    assert (second.disposed_on_time, second.disposed_overdue) == (
        first.disposed_on_time,
        first.disposed_overdue,
    )
    assert other.digest != first.digest


def test_a_short_run_goes_through_the_actions_only_and_has_the_mix_a_city_sees() -> None:
    result = short_run()

    cases = Case.objects.filter(pk__in=result.case_ids).annotate(
        event_count=Count("events"), first_seq=Min("events__seq"), last_seq=Max("events__seq")
    )
    assert cases.count() == result.cases > 0
    for case in cases:
        first = CaseEvent.objects.get(case=case, seq=1)
        last = CaseEvent.objects.get(case=case, seq=case.last_seq)
        assert first.action == Action.REPORT, case.case_no
        # Every action adds one event and one version; the status is the last event's.
        assert (case.first_seq, case.last_seq, case.event_count) == (1, case.version, case.version)
        assert case.status == last.to_status, case.case_no
    assert sum(result.actions.values()) == result.steps
    assert result.audit_problems == []
    assert verify_chain() == []
    # The centre works in office hours on working days, whenever the public reports.
    calendar = get_calendar()
    centre_actions = [Action.ACCEPT, Action.FILE, Action.DISPATCH, Action.SEND_CHECK, Action.CLOSE]
    moments = CaseEvent.objects.filter(
        case_id__in=result.case_ids, action__in=centre_actions
    ).values_list("at", flat=True)
    assert len(moments) > result.cases
    assert all(calendar.is_working_time(moment) for moment in moments)
    # The mix (exact: a seed always gives the same run): closed, overdue and reworked cases, and
    # the last days' cases left in the middle of their lives.
    assert result.by_status == {
        Status.CLOSED: 34,
        Status.DISPOSING: 6,
        Status.REPORTED: 3,
        Status.CANCELLED: 2,
        Status.PENDING_CLOSE: 2,
        Status.CHECKING: 1,
        Status.DISPOSED: 1,
    }
    assert (result.disposed_on_time, result.disposed_overdue) == (36, 3)
    assert (result.actions[Action.REWORK], result.reworked_cases) == (4, 4)


def test_the_command_prints_the_mix() -> None:
    out = StringIO()

    with override_settings(DEBUG=True):
        call_command(
            "simulate", "--days", "1", "--seed", "3", "--start", "2026-11-02", "--per-day", "8",
            stdout=out,
        )  # fmt: skip

    lines = out.getvalue().splitlines()
    assert lines[0] == "模拟 2026-11-02 至 2026-11-02（1 天，种子 3，每个工作日约 8 件上报）"
    assert lines[2].startswith("上报来源：监督员上报 ")
    assert lines[3].startswith("最终状态：")
    assert lines[4].startswith("处置 ")
    assert lines[-1] == "审计链 verify_chain：通过，没有问题"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--days", "-3"], "模拟天数应为 1 至 366 之间的整数，收到 -3"),
        (["--days", "0"], "模拟天数应为 1 至 366 之间的整数，收到 0"),
        (["--per-day", "0"], "每日上报数应为 1 至 5000 之间的整数，收到 0"),
        (
            ["--start", "2003-06-02", "--days", "3"],
            "工作日历没有 2003 年的节假日安排，不能模拟 2003-06-02 至 2003-06-04",
        ),
        (["--start", "2026-13-01"], "不是 YYYY-MM-DD 格式的日期"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_writes_nothing(
    arguments: list[str], message: str
) -> None:
    before = (Case.objects.count(), CaseEvent.objects.count())

    with override_settings(DEBUG=True), pytest.raises(CommandError, match=message):
        call_command("simulate", *arguments, stdout=StringIO())

    assert (Case.objects.count(), CaseEvent.objects.count()) == before


def test_a_run_past_today_is_refused() -> None:
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    tomorrow = yesterday + dt.timedelta(days=2)

    with override_settings(DEBUG=True), pytest.raises(CommandError) as refused:
        call_command("simulate", "--start", yesterday.isoformat(), "--days", "3", stdout=StringIO())

    assert str(refused.value) == (
        f"模拟不能超过今天：{yesterday} 起 3 天将模拟到 {tomorrow}，"
        "请选择更早的开始日期或更少的天数"
    )
    assert Case.objects.count() == 0


def test_if_empty_skips_a_database_that_already_has_cases() -> None:
    simulate(days=1, seed=1, start=MONDAY, per_day=3)
    before = (Case.objects.count(), CaseEvent.objects.count())
    out = StringIO()

    with override_settings(DEBUG=True):
        call_command("simulate", "--if-empty", "--start", "2026-11-03", "--days", "1", stdout=out)

    assert out.getvalue() == "已有案卷，不再模拟（--if-empty）\n"
    assert (Case.objects.count(), CaseEvent.objects.count()) == before


def test_the_command_refuses_a_production_configuration() -> None:
    with override_settings(DEBUG=False), pytest.raises(CommandError, match="FINEGRID_DEBUG=1"):
        call_command("simulate", "--days", "1", stdout=StringIO())

    assert Case.objects.count() == 0


def test_a_year_without_grids_is_refused() -> None:
    with pytest.raises(SimulationError, match="2025-03-03 没有有效的单元网格"):
        simulate(days=1, start=dt.date(2025, 3, 3))
