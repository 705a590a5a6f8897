"""Background tasks of the case workflow (registered with the task seam)."""

from __future__ import annotations

from finegrid.core.tasks import task


@task("cases.notify_event")
def notify_event(*, event_id: int) -> int:
    """Queue the messages an event calls for; returns how many were queued."""
    from finegrid.notifications.outbox import messages_for_event

    return messages_for_event(event_id=event_id)
