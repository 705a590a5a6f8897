"""Periods, scoring, scheme validation and the working clock: the pure parts, exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finegrid.evaluation.clock import WorkingClock
from finegrid.evaluation.models import Indicator, Scheme
from finegrid.evaluation.periods import InvalidPeriod, Period, PeriodKind
from finegrid.evaluation.scoring import band_score, composite, grade_of, ranks
from finegrid.evaluation.specs import (
    SchemeInvalid,
    check_scheme,
    default_schemes,
    item_specs,
)
from finegrid.worktime import calendar as pure
from finegrid.worktime.official import official_calendar

GRADES = [["A", 90], ["B", 75], ["C", 60], ["D", 40], ["E", 0]]


@pytest.mark.parametrize(
    ("text", "kind", "start", "end", "label"),
    [
        ("2026-W47", PeriodKind.WEEK, dt.date(2026, 11, 16), dt.date(2026, 11, 23), "2026年第47周"),
        ("2026-10", PeriodKind.MONTH, dt.date(2026, 10, 1), dt.date(2026, 11, 1), "2026年10月"),
        ("2026-12", PeriodKind.MONTH, dt.date(2026, 12, 1), dt.date(2027, 1, 1), "2026年12月"),
        (
            "2026-q4",
            PeriodKind.QUARTER,
            dt.date(2026, 10, 1),
            dt.date(2027, 1, 1),
            "2026年第四季度",
        ),
        ("2026", PeriodKind.YEAR, dt.date(2026, 1, 1), dt.date(2027, 1, 1), "2026年度"),
    ],
)
def test_periods_parse_and_name_themselves(
    text: str, kind: PeriodKind, start: dt.date, end: dt.date, label: str
) -> None:
    period = Period.parse(text)
    assert (period.kind, period.start, period.end, period.label) == (kind, start, end, label)
    assert Period.parse(period.code) == period


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-W54", "2026-Q5", "26-10", "十月", ""])
def test_a_malformed_period_is_refused_in_chinese(text: str) -> None:
    with pytest.raises(InvalidPeriod, match="格式不对"):
        Period.parse(text)


def test_periods_tile_time_backwards() -> None:
    assert Period.parse("2026-01").previous() == Period.parse("2025-12")
    assert Period.parse("2026-Q1").previous() == Period.parse("2025-Q4")
    assert Period.parse("2026-W01").previous() == Period.parse("2025-W52")
    month = Period.parse("2026-10")
    assert month.previous().end == month.start


def test_ties_share_a_rank_and_the_next_rank_skips() -> None:
    assert ranks([90.0, 95.5, 90.0, 80.0, 95.5]) == [3, 1, 3, 5, 1]
    assert ranks([70.004, 70.0]) == [1, 1]  # equal to the hundredth
    assert ranks([]) == []


def test_bands_take_the_first_match_in_order() -> None:
    class_one = [["<=", 0, 100], ["<", 3, 90], ["<", 5, 75], ["<", 7, 60], ["<", 9, 40]]
    assert [band_score(v, class_one, 0) for v in (0, 2.9, 3, 6.99, 8, 9, 12)] == [
        100, 90, 75, 60, 40, 0, 0,
    ]  # fmt: skip
    more = [[">", 2000, 100], [">", 1200, 90], [">", 500, 75], [">", 300, 60], [">", 100, 40]]
    assert [band_score(v, more, 0) for v in (2001, 2000, 1201, 501, 301, 101, 100)] == [
        100, 90, 90, 75, 60, 40, 0,
    ]  # fmt: skip


def test_composite_and_grades() -> None:
    assert composite({"a": 80, "b": 100}, {"a": 40, "b": 60}) == 92
    assert [grade_of(s, GRADES) for s in (100, 90, 89.99, 75, 60, 40, 39.9, 0)] == list("AABBCDEE")


@pytest.mark.django_db
def test_the_default_schemes_are_installed_and_add_up_to_100() -> None:
    for row in default_schemes():
        scheme = Scheme.objects.get(code=row["code"])
        weights = sum(item.weight for item in scheme.items.all())
        assert weights == Decimal(100), scheme.code
    # Six here, and one campaigns installs (tests/campaigns/test_scores.py).
    assert Scheme.objects.count() == 7


def _check(items: list[dict[str, object]], **overrides: object) -> None:
    arguments: dict[str, object] = {
        "subject_kinds": ["district"],
        "period_kinds": ["month"],
        "grade_bands": GRADES,
        "items": item_specs(items),
        "indicators": {i.code: i for i in Indicator.objects.all()},
    }
    arguments.update(overrides)
    check_scheme(**arguments)  # type: ignore[arg-type]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("items", "overrides", "problem"),
    [
        ([{"indicator": "close_rate", "weight": 60}], {}, "合计为60%"),
        ([{"indicator": "close_rate", "weight": 100}, {"indicator": "nope", "weight": 0}], {},
         "未知的指标：nope"),
        ([{"indicator": "accepted_on_time_rate", "weight": 100}], {}, "不适用于区"),
        ([{"indicator": "due", "weight": 100}], {}, "不是比率"),
        ([{"indicator": "due", "weight": 100, "method": "bands", "bands": {"default": [["≈", 1, 2]]}}],
         {}, "区间"),
        ([{"indicator": "close_rate", "weight": 100}], {"grade_bands": [["A", 60], ["B", 90]]},
         "等次划分"),
        ([{"indicator": "close_rate", "weight": 100}], {"subject_kinds": ["city"]}, "未知的考核对象"),
        ([{"indicator": "close_rate", "weight": 100}], {"period_kinds": ["day"]}, "未知的考核周期"),
    ],
)  # fmt: skip
def test_a_broken_scheme_is_refused_with_its_problem(
    items: list[dict[str, object]], overrides: dict[str, object], problem: str
) -> None:
    with pytest.raises(SchemeInvalid) as caught:
        _check(items, **overrides)
    assert any(problem in message for message in caught.value.problems), caught.value.problems


@pytest.mark.django_db
def test_a_sound_scheme_passes() -> None:
    _check([{"indicator": "close_rate", "weight": "30.5"}, {"indicator": "on_time_close_rate",
            "weight": "69.5"}, {"indicator": "due", "weight": 0}])  # fmt: skip


CALENDAR = official_calendar().as_work_calendar()
FIRST = dt.date(2026, 9, 1)
LAST = dt.date(2026, 12, 31)
CLOCK = WorkingClock(CALENDAR, FIRST, LAST)
instants = st.datetimes(
    min_value=dt.datetime(2026, 9, 1),
    max_value=dt.datetime(2026, 12, 30),
    timezones=st.just(pure.SHANGHAI),
)


@settings(max_examples=200, deadline=None)
@given(instants, instants)
def test_the_fast_clock_agrees_with_worktime(a: dt.datetime, b: dt.datetime) -> None:
    start, end = min(a, b), max(a, b)
    exact = pure.elapsed(start, end, pure.TimeUnit.WORKING_HOURS, calendar=CALENDAR)
    assert CLOCK.hours(start.timestamp(), end.timestamp()) == pytest.approx(float(exact), abs=1e-6)
