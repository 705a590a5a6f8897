"""Background work of campaigns: chasing owners whose progress reports or replies are missing."""

from __future__ import annotations

from finegrid.campaigns.actions import chase_missing_reports, chase_unanswered_notices
from finegrid.core.tasks import moment_from, task


@task("campaigns.chase_reports")
def chase_reports(now: str | None = None) -> list[int]:
    """Remind the owners of tasks whose progress report is overdue, and of supervision notices
    past their reply deadline (once a day each); the ids of the tasks chased for reports."""
    moment = moment_from(now)
    chase_unanswered_notices(now=moment)
    return chase_missing_reports(now=moment)
