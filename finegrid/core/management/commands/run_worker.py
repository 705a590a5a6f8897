"""`manage.py run_worker`: the embedded backend's worker, which runs the job table and the
periodic tasks (the sweep, notification delivery) with no broker.
"""

from __future__ import annotations

import datetime as dt
import signal
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from finegrid.core.tasks import (
    KEEP_DONE,
    WorkReport,
    purge_finished_jobs,
    recover_stale_jobs,
    run_due_jobs,
    schedule_periodic,
    worker_name,
)

#: How often the loop looks for jobs whose worker vanished and purges old finished ones.
HOUSEKEEPING_EVERY = dt.timedelta(minutes=1)


class Command(BaseCommand):
    help = (
        "Run background jobs from the database (FINEGRID_TASK_BACKEND=database): claim due jobs, "
        "retry failures with back-off, and schedule the periodic tasks (FINEGRID_PERIODIC_TASKS). "
        "Stops cleanly on SIGTERM or Ctrl-C after the job in hand. Several workers may run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="run the jobs due now, then exit (no periodic tasks)",
        )
        parser.add_argument(
            "--max-jobs", type=int, default=None, help="exit after running this many jobs"
        )
        parser.add_argument(
            "--poll",
            type=float,
            default=2.0,
            help="seconds to wait between looks when no job is due (default 2)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        worker = worker_name()
        once: bool = options["once"]
        max_jobs: int | None = options["max_jobs"]
        if max_jobs is not None and max_jobs < 1:
            raise CommandError("--max-jobs must be at least 1")
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        if not once:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
            backend = settings.FINEGRID_TASK_BACKEND
            self.stdout.write(f"worker {worker} started (task backend: {backend})")

        total = WorkReport()
        last_run: dict[str, dt.datetime] = {}
        housekeeping: dt.datetime | None = None
        while not stopping:
            now = timezone.now()
            if not once:
                close_old_connections()
                if housekeeping is None or now - housekeeping >= HOUSEKEEPING_EVERY:
                    recover_stale_jobs(now=now)
                    purge_finished_jobs(before=now - KEEP_DONE)
                    housekeeping = now
                schedule_periodic(now=now, last_run=last_run)
            left = None if max_jobs is None else max_jobs - total.ran
            report = run_due_jobs(worker=worker, max_jobs=left, should_stop=lambda: stopping)
            total.done += report.done
            total.retried += report.retried
            total.dead += report.dead
            if once or (max_jobs is not None and total.ran >= max_jobs):
                break
            if report.ran == 0:
                time.sleep(options["poll"])
        self.stdout.write(
            f"ran {total.ran} jobs: {total.done} done, {total.retried} to retry, {total.dead} dead"
        )
