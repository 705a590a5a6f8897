"""Background tasks of the case workflow (registered with the task seam)."""

from __future__ import annotations

from finegrid.core.tasks import moment_from, task


@task("cases.notify_event")
def notify_event(*, event_id: int) -> int:
    """Queue the messages an event calls for; returns how many were queued."""
    from finegrid.notifications.outbox import messages_for_event

    return messages_for_event(event_id=event_id)


@task("cases.sweep")
def sweep(*, now: str | None = None) -> dict[str, int]:
    """Reminders and escalations of running clocks (periodic); `now` (ISO 8601) for simulated time."""
    from finegrid.cases.sweep import sweep as sweep_cases

    return sweep_cases(now=moment_from(now)).as_dict()
