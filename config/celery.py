"""The Celery application of production workers: one generic task that runs a finegrid task.

Start workers with `celery -A config worker` and the scheduler with `celery -A config beat`;
the broker is `FINEGRID_REDIS_URL`, every other knob comes from the `CELERY_*` settings.
Task functions stay plain and registered with `finegrid.core.tasks.task`; this module only
carries them across the broker.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import Celery  # type: ignore[import-untyped]

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

log = logging.getLogger(__name__)

app = Celery("finegrid")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.task(name="finegrid.run")
def run(name: str, kwargs: dict[str, Any]) -> Any:
    """Run the registered task `name`; a failure waits in the job table for its retries."""
    from finegrid.core.tasks import defer_failed_task, describe_error, run_task

    try:
        return run_task(name, kwargs)
    except Exception as exc:
        log.exception("task %s failed; its retries wait in the job table", name)
        defer_failed_task(name, kwargs, error=describe_error(exc))
        return None


def use_broker(url: str) -> str:
    """Send this process's tasks to another broker from now on; returns the one used before.

    For tests and tools that must reach a broker other than the settings' (a Redis database of
    their own). Pooled connections to the old broker are forgotten, which `Celery.close()` alone
    does not do for the producer pool.
    """
    previous = str(app.conf.broker_url)
    app.conf.broker_url = url
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
    return previous
