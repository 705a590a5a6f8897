"""Reads of evaluation: the run to show for a scheme and period, rankings, trends, cases behind a figure."""

from __future__ import annotations

from django.db.models import Case as Choice
from django.db.models import F, IntegerField, Q, QuerySet, Value, When

from finegrid.cases.models import Case
from finegrid.evaluation import contributed
from finegrid.evaluation.measures import Column
from finegrid.evaluation.models import CaseFact, Result, Run, RunStatus, Scheme
from finegrid.evaluation.specs import measures_of
from finegrid.evaluation.subjects import SubjectKind, source_of


def current_run(scheme: Scheme, period: str) -> Run | None:
    """What the period's ranking is: the newest published run (a correction replaces the run it
    corrects); before anything is published, the newest draft."""
    runs = Run.objects.filter(scheme=scheme, period=period)
    return (
        runs.filter(status=RunStatus.PUBLISHED).order_by("-published_at", "-pk").first()
        or runs.order_by("-computed_at", "-pk").first()
    )


def ranking(run: Run, kind: SubjectKind) -> QuerySet[Result]:
    """Ranked subjects first, in rank order; those with nothing to count (rank 0) after them."""
    return run.results.filter(subject_kind=kind.value).order_by(
        Choice(When(rank=0, then=Value(1)), default=Value(0), output_field=IntegerField()),
        "rank",
        "code",
    )


def trend(scheme: Scheme, kind: SubjectKind, subject_id: int, period_kind: str) -> list[Result]:
    """The subject's result in each period of this kind, oldest first, one per period."""
    chosen: dict[str, Result] = {}
    results = (
        Result.objects.filter(
            run__scheme=scheme,
            run__period_kind=period_kind,
            subject_kind=kind.value,
            subject_id=subject_id,
        )
        .select_related("run")
        .order_by("run__period", "-run__status", "-run__computed_at")
    )
    for result in results:
        current = chosen.get(result.run.period)
        if current is None:
            chosen[result.run.period] = result
    return [chosen[period] for period in sorted(chosen)]


def facts_behind(
    run: Run, kind: SubjectKind, subject_id: int, expression: str
) -> QuerySet[CaseFact]:
    """The facts a figure counted: the same column and bits the tally used (none for a count
    another app contributed: those are not cases)."""
    if contributed.get(expression) is not None:
        return CaseFact.objects.none()
    measures = measures_of(expression)
    mask = 0
    for measure in measures:
        mask |= measure.bit
    source = source_of(kind, measures[0])
    facts = CaseFact.objects.filter(snapshot_id=run.snapshot_id)
    if source is None:
        return facts.none()
    if source.via_grids:
        grids = run.snapshot.inputs.get("inspector_grids", {}).get(str(subject_id), [])
        where = Q(grid_id__in=grids)
    else:
        where = Q(**{Column(source.column).field: subject_id})
    return facts.filter(where).annotate(hit=F("flags").bitand(mask)).exclude(hit=0)


def cases_behind(run: Run, kind: SubjectKind, subject_id: int, expression: str) -> QuerySet[Case]:
    ids = facts_behind(run, kind, subject_id, expression).values("case_id")
    return Case.objects.filter(pk__in=ids)
