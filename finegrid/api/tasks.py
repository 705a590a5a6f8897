"""Background tasks of the API (registered with the task seam)."""

from __future__ import annotations

from finegrid.core.tasks import moment_from, task


@task("api.sweep")
def sweep(*, now: str | None = None) -> dict[str, int]:
    """Drop uploads never used within a day and idempotency records past their keeping time."""
    import datetime as dt

    from django.conf import settings
    from django.utils import timezone

    from finegrid.api.models import IdempotencyRecord
    from finegrid.api.uploads import sweep_uploads

    moment = moment_from(now) or timezone.now()
    cutoff = moment - dt.timedelta(days=settings.FINEGRID_IDEMPOTENCY_DAYS)
    records, _by_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return {"uploads": sweep_uploads(now=moment), "idempotency_records": records}
