"""Property: the stored figures equal a reference computed in plain Python from the ORM's events.

The snapshot reads instants and event data through SQL (epoch arithmetic and JSON functions that
differ between SQLite and PostgreSQL). The reference reads the same events through the ORM, parses
them in Python and folds them with the same rules. CI runs this on both databases, so for any
simulated history both databases give the reference's numbers: the same events, the same scores.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finegrid.cases.models import Case, CaseEvent
from finegrid.cases.simulate import simulate
from finegrid.evaluation import contributed
from finegrid.evaluation.actions import evaluate
from finegrid.evaluation.clock import WorkingClock
from finegrid.evaluation.measures import READ_ACTIONS, CaseInfo, Event, Fact, fold
from finegrid.evaluation.models import Scheme
from finegrid.evaluation.periods import Period
from finegrid.evaluation.specs import measures_of
from finegrid.evaluation.subjects import SubjectKind, source_of
from finegrid.worktime.selectors import get_calendar

WEEK = Period.parse("2026-W45")  # Monday 2 to Sunday 8 November 2026
pytestmark = pytest.mark.django_db(transaction=False)


def _ms(value: str | dt.datetime | None) -> float | None:
    if value is None:
        return None
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return round(moment.timestamp() * 1000) / 1000


def reference_facts(period: Period) -> list[Fact]:
    start, end = (moment.timestamp() for moment in period.bounds())
    clock = WorkingClock(get_calendar(), period.start - dt.timedelta(days=400), period.end)
    events: dict[int, list[Event]] = defaultdict(list)
    for row in (
        CaseEvent.objects.filter(at__lt=period.bounds()[1], action__in=list(READ_ACTIONS))
        .order_by("case_id", "seq")
        .values("case_id", "action", "to_status", "actor_id", "at", "data")
    ):
        data = row["data"] or {}
        at = _ms(row["at"])
        assert at is not None
        events[row["case_id"]].append(
            Event(
                row["action"],
                row["to_status"],
                row["actor_id"],
                at,
                _ms(data.get("step_deadline")),
                _ms(data.get("disposal_deadline")),
                data.get("department"),
                data.get("returned_by"),
                data.get("satisfaction") or "",
            )
        )
    facts = []
    for case in Case.objects.filter(pk__in=list(events)).order_by("pk"):
        info = CaseInfo(
            case.pk,
            case.source,
            case.reporter_id,
            case.grid_id,
            case.community_id,
            case.street_id,
            case.district_id,
        )
        fact = fold(info, events[case.pk], start, end, clock.hours)
        if fact is not None:
            facts.append(fact)
    return facts


@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_stored_figures_equal_the_python_reference(seed: int) -> None:
    simulate(days=7, seed=seed, start=WEEK.start, per_day=12)
    runs = evaluate(schemes=list(Scheme.objects.all()), period=WEEK, actor=None)
    facts = reference_facts(WEEK)
    stored = {
        (fact.case_id, fact.flags) for fact in runs[0].snapshot.facts.all().only("case_id", "flags")
    }
    assert stored == {(fact.case_id, fact.flags) for fact in facts}
    compared = 0
    for run in runs:
        for result in run.results.exclude(rank=0):
            kind = SubjectKind(result.subject_kind)
            for expression, count in result.counts.items():
                if contributed.get(expression) is not None:
                    continue  # not cases: tests/campaigns/test_scores.py checks campaign counts
                measures = measures_of(expression)
                mask = sum(measure.bit for measure in measures)
                source = source_of(kind, measures[0])
                assert source is not None
                ids = (
                    set(run.snapshot.inputs["inspector_grids"][str(result.subject_id)])
                    if source.via_grids
                    else {result.subject_id}
                )
                expected = sum(
                    1 for fact in facts if fact.flags & mask and fact.columns[source.column] in ids
                )
                assert count == expected, (run.scheme.code, result.code, expression)
                compared += 1
    assert compared > 100
