"""Background tasks of the notifications (registered with the task seam by the app's ready())."""

from __future__ import annotations

from finegrid.core.tasks import moment_from, task


@task("notifications.deliver")
def deliver(*, now: str | None = None) -> dict[str, int]:
    """Send the due messages of the outbox; `now` (ISO 8601) for simulated time."""
    from finegrid.notifications.delivery import deliver_due

    return deliver_due(now=moment_from(now)).as_dict()
