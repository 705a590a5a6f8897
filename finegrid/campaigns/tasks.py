"""Background work of campaigns: chasing owners whose progress reports are missing."""

from __future__ import annotations

from finegrid.campaigns.actions import chase_missing_reports
from finegrid.core.tasks import moment_from, task


@task("campaigns.chase_reports")
def chase_reports(now: str | None = None) -> list[int]:
    """Remind the owners of tasks whose progress report is overdue (once a day each)."""
    return chase_missing_reports(now=moment_from(now))
