"""The scheduled job: each ended period gets its runs once, and published runs get their bulletin."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest

from finegrid.cases.workflow import Status
from finegrid.evaluation.models import Bulletin, Run, RunStatus, Scheme
from finegrid.evaluation.tasks import issue_bulletin, run_scheduled
from finegrid.org.models import User
from tests.cases.builders import START, case_in

pytestmark = pytest.mark.django_db
# Wednesday 2 December 2026: the last ended week is 2026-W48, month 2026-11, quarter 2026-Q3,
# year 2025.
NOW = dt.datetime(2026, 12, 2, 3, 0, tzinfo=START.tzinfo)


def test_each_ended_period_is_evaluated_once_by_every_scheduled_scheme() -> None:
    Scheme.objects.filter(code="dispatchers").update(scheduled=False)
    created = run_scheduled(now=NOW.isoformat())
    periods = set(Run.objects.filter(pk__in=created).values_list("period", flat=True))
    assert periods == {"2026-W48", "2026-11", "2026-Q3", "2025"}
    # Five schemes for all four periods, and campaigns' department scheme (no weeks) for three.
    assert Run.objects.filter(pk__in=created).count() == 5 * 4 + 3
    assert not Run.objects.filter(scheme__code="dispatchers").exists()
    assert set(Run.objects.values_list("status", flat=True)) == {RunStatus.DRAFT}
    assert run_scheduled(now=NOW.isoformat()) == []  # already there: nothing new


def test_auto_published_runs_get_their_bulletin_rendered(
    cast: Mapping[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    case_in(Status.CLOSED, cast=cast, start=START)
    Scheme.objects.exclude(code="areas").update(scheduled=False)
    Scheme.objects.filter(code="areas").update(auto_publish=True, period_kinds=["month"])
    with django_capture_on_commit_callbacks(execute=True):  # the bulletin is queued after commit
        run_scheduled(now=NOW.isoformat())
    run = Run.objects.get(period="2026-11")
    assert run.status == RunStatus.PUBLISHED
    bulletin = Bulletin.objects.get(period="2026-11")
    assert bulletin.kind == "monthly"
    assert sorted(bulletin.files.values_list("format", flat=True)) == ["docx", "pdf", "xlsx"]
    assert issue_bulletin("2026-11") == bulletin.pk  # the same runs: the same bulletin
