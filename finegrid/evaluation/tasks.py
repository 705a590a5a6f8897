"""Background work: evaluate every scheduled scheme once each of its periods has ended."""

from __future__ import annotations

import logging

from django.utils import timezone

from finegrid.core.tasks import enqueue, moment_from, task
from finegrid.evaluation.actions import evaluate, publish_run
from finegrid.evaluation.models import Run, Scheme
from finegrid.evaluation.periods import Period, PeriodKind

log = logging.getLogger(__name__)


@task("evaluation.scheduled")
def run_scheduled(now: str | None = None) -> list[int]:
    """Compute the runs missing for the last ended week/month/quarter/year; ids of the new runs.

    Idempotent: a period that already has a run of a scheme is left alone (corrections are made by
    people, on purpose). Schemes due for the same period share one snapshot.
    """
    moment = moment_from(now) or timezone.now()
    today = timezone.localdate(moment)
    due: dict[Period, list[Scheme]] = {}
    for scheme in Scheme.objects.filter(active=True, scheduled=True).order_by("code"):
        for kind in scheme.period_kinds:
            period = Period.containing(PeriodKind(kind), today).previous()
            if not Run.objects.filter(scheme=scheme, period=period.code).exists():
                due.setdefault(period, []).append(scheme)
    created: list[int] = []
    for period, schemes in sorted(due.items()):
        runs = evaluate(schemes=schemes, period=period, actor=None, now=moment)
        published = False
        for run in runs:
            if run.scheme.auto_publish:
                publish_run(run=run, actor=None, now=moment)
                published = True
            created.append(run.pk)
        log.info("evaluated %s for %s: runs %s", [s.code for s in schemes], period, created)
        if published:
            enqueue("evaluation.issue_bulletin", period=period.code)
    return created


@task("evaluation.issue_bulletin")
def issue_bulletin(period: str) -> int:
    """Issue the period's bulletin from its current runs and render every format; its id."""
    from finegrid.evaluation.bulletins import build, issue, render, runs_for
    from finegrid.reports.render import FORMATS

    chosen = Period.parse(period)
    bulletin = issue(chosen, runs_for(chosen))
    built = build(bulletin)
    for fmt in FORMATS:
        render(bulletin, fmt, built)
    return bulletin.pk
