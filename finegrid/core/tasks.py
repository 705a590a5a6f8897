"""The one seam for background work: register a task, enqueue it, and the backends that run it.

`FINEGRID_TASK_BACKEND` chooses how an enqueued task runs (docs/adr/0009-background-work.md):
- `immediate`: in the caller's process right after its transaction commits (tests);
- `database`: a `Job` row written in the caller's own transaction, so a change that committed
  always has its job, claimed by `manage.py run_worker` with a conditional UPDATE, retried with
  exponential back-off, `dead` after `FINEGRID_JOB_MAX_ATTEMPTS` (the embedded default);
- `celery`: handed after commit to Celery workers on Redis as one generic task `finegrid.run`;
  a task the broker cannot take, or one that fails, is kept as a `Job` row that the periodic
  `core.run_jobs` retries with the same back-off.
Task functions stay plain functions of JSON keyword arguments and must be idempotent.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from finegrid.core.models import Job, JobStatus

log = logging.getLogger(__name__)

F_ = TypeVar("F_", bound=Callable[..., Any])
REGISTRY: dict[str, Callable[..., Any]] = {}

#: The one Celery task; it runs `run_task(name, kwargs)` so that task functions need no Celery.
CELERY_TASK_NAME: Final = "finegrid.run"
#: Longest wait between two attempts, whatever the attempt count.
MAX_BACKOFF: Final = dt.timedelta(hours=6)
#: Finished jobs are kept this long for the admin, then deleted by the worker.
KEEP_DONE: Final = dt.timedelta(days=7)


def task(name: str) -> Callable[[F_], F_]:
    """Register a function as a task under a stable name (kwargs must be JSON values)."""

    def register(func: F_) -> F_:
        if name in REGISTRY and REGISTRY[name] is not func:
            raise ValueError(f"task {name} is registered twice")
        REGISTRY[name] = func
        return func

    return register


def run_task(name: str, kwargs: dict[str, Any]) -> Any:
    return REGISTRY[name](**kwargs)


def moment_from(value: str | None) -> dt.datetime | None:
    """A datetime passed to a task as ISO 8601 (kwargs are JSON); naive means local time."""
    if not value:
        return None
    moment = dt.datetime.fromisoformat(value)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def backend() -> str:
    return str(getattr(settings, "FINEGRID_TASK_BACKEND", "immediate"))


def enqueue(name: str, **kwargs: Any) -> None:
    """Run `name(**kwargs)` in the background once the current transaction commits.

    With the database backend the job row is written now, inside the caller's transaction: it
    commits with the caller's change or not at all.
    """
    if name not in REGISTRY:
        raise KeyError(f"unknown task {name}")
    try:
        # Jobs cross process boundaries as JSON: refuse anything else here, not in the worker.
        json.dumps(kwargs)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"task {name}: keyword arguments must be JSON values ({exc})") from None
    chosen = backend()
    if chosen == "database":
        _create_job(name, kwargs, run_after=timezone.now())
        return
    transaction.on_commit(lambda: _dispatch(chosen, name, kwargs), robust=True)


def _dispatch(chosen: str, name: str, kwargs: dict[str, Any]) -> None:
    if chosen == "immediate":
        try:
            run_task(name, kwargs)
        except Exception:
            # The caller's transaction has committed; a failed side effect must not undo it.
            log.exception("task %s failed", name)
        return
    if chosen == "celery":
        _send_to_celery(name, kwargs)
        return
    raise NotImplementedError(chosen)


def _send_to_celery(name: str, kwargs: dict[str, Any]) -> None:
    from config.celery import app

    try:
        app.send_task(CELERY_TASK_NAME, args=(name, kwargs))
    except Exception:
        # The change has committed: keep its task rather than lose it while the broker is away.
        log.exception("the broker did not take task %s; it waits in the job table", name)
        _create_job(name, kwargs, run_after=timezone.now())


def _create_job(name: str, kwargs: dict[str, Any], *, run_after: dt.datetime) -> Job:
    return Job.objects.create(name=name, kwargs=kwargs, run_after=run_after)


def defer_failed_task(
    name: str, kwargs: dict[str, Any], *, error: str, now: dt.datetime | None = None
) -> Job:
    """A task that failed its first run outside the job table (Celery): its retries live here.

    Keeping retries in the table rather than as delayed broker messages gives both backends one
    place where failures are seen and retried, and no broker visibility timeout to outlast.
    """
    now = now or timezone.now()
    spent = max_attempts() <= 1
    return Job.objects.create(
        name=name,
        kwargs=kwargs,
        attempts=1,
        status=JobStatus.DEAD if spent else JobStatus.PENDING,
        run_after=now + backoff(1, base_seconds=retry_base_seconds()),
        finished_at=now if spent else None,
        last_error=error[:4000],
    )


# --- back-off ------------------------------------------------------------------------------------


def backoff(attempts: int, *, base_seconds: float) -> dt.timedelta:
    """The wait before the next attempt after `attempts` failed ones: base, 2×, 4×... capped."""
    if attempts < 1:
        raise ValueError("back-off is counted from the first failed attempt")
    return min(dt.timedelta(seconds=base_seconds * 2 ** (attempts - 1)), MAX_BACKOFF)


def max_attempts() -> int:
    return int(getattr(settings, "FINEGRID_JOB_MAX_ATTEMPTS", 8))


def retry_base_seconds() -> float:
    return float(getattr(settings, "FINEGRID_JOB_RETRY_SECONDS", 30))


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "FINEGRID_JOB_LEASE_SECONDS", 900)))


# --- the database backend's worker ---------------------------------------------------------------


def worker_name() -> str:
    """host:pid:random, so that two workers on one host never share a name."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class WorkReport:
    done: int = 0
    retried: int = 0
    dead: int = 0

    @property
    def ran(self) -> int:
        return self.done + self.retried + self.dead


def claim_job(*, job_id: int, worker: str, now: dt.datetime) -> bool:
    """pending → running for this worker, if it is still pending and due; False if someone won."""
    rows = Job.objects.filter(pk=job_id, status=JobStatus.PENDING, run_after__lte=now).update(
        status=JobStatus.RUNNING, claimed_by=worker, claimed_at=now, attempts=F("attempts") + 1
    )
    return rows == 1


def run_claimed_job(*, job_id: int, worker: str, now: dt.datetime | None = None) -> JobStatus:
    """Run a job this worker has claimed and record the outcome; returns the job's new status."""
    job = Job.objects.get(pk=job_id)
    try:
        run_task(job.name, job.kwargs)
    except Exception as exc:
        finished = now or timezone.now()
        error = describe_error(exc)
        log.warning("job %s (%s) failed on attempt %s: %s", job.pk, job.name, job.attempts, error)
        if job.attempts >= max_attempts():
            outcome, changes = (
                JobStatus.DEAD,
                {"status": JobStatus.DEAD, "finished_at": finished},
            )
        else:
            delay = backoff(job.attempts, base_seconds=retry_base_seconds())
            outcome, changes = (
                JobStatus.PENDING,
                {"status": JobStatus.PENDING, "run_after": finished + delay},
            )
        _finish(job_id, worker, last_error=error, **changes)
        return outcome
    _finish(
        job_id,
        worker,
        status=JobStatus.DONE,
        finished_at=now or timezone.now(),
        last_error="",
    )
    return JobStatus.DONE


def describe_error(exc: BaseException) -> str:
    """The exception's last line ("RuntimeError: …"), as the admin shows it."""
    return "".join(traceback.format_exception_only(exc)).strip()[:4000]


def _finish(job_id: int, worker: str, **changes: Any) -> None:
    rows = Job.objects.filter(pk=job_id, status=JobStatus.RUNNING, claimed_by=worker).update(
        **changes
    )
    if rows != 1:
        # Our lease ran out and the job was handed on; the other worker's outcome stands.
        log.warning("job %s was no longer held by %s when it finished", job_id, worker)


def run_due_jobs(
    *,
    worker: str,
    now: dt.datetime | None = None,
    max_jobs: int | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> WorkReport:
    """Claim and run due jobs, oldest first, until none is due (or `max_jobs`, or a stop)."""
    report = WorkReport()
    while max_jobs is None or report.ran < max_jobs:
        moment = now or timezone.now()
        batch = min(50, max_jobs - report.ran) if max_jobs is not None else 50
        due = list(
            Job.objects.filter(status=JobStatus.PENDING, run_after__lte=moment)
            .order_by("run_after", "pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not due:
            break
        for job_id in due:
            if should_stop() or (max_jobs is not None and report.ran >= max_jobs):
                return report
            if not claim_job(job_id=job_id, worker=worker, now=now or timezone.now()):
                continue  # another worker took it first
            outcome = run_claimed_job(job_id=job_id, worker=worker, now=now)
            if outcome == JobStatus.DONE:
                report.done += 1
            elif outcome == JobStatus.DEAD:
                report.dead += 1
            else:
                report.retried += 1
    return report


def recover_stale_jobs(*, now: dt.datetime | None = None) -> int:
    """Jobs whose worker vanished mid-run (lease expired): back to pending, or dead if spent."""
    now = now or timezone.now()
    stale = Job.objects.filter(status=JobStatus.RUNNING, claimed_at__lt=now - lease())
    message = _("执行进程在租约期内没有结束任务（可能已中断），任务已重新排队或放弃")
    dead = stale.filter(attempts__gte=max_attempts()).update(
        status=JobStatus.DEAD, finished_at=now, last_error=message
    )
    requeued = stale.filter(attempts__lt=max_attempts()).update(
        status=JobStatus.PENDING, run_after=now, last_error=message
    )
    return dead + requeued


def schedule_periodic(*, now: dt.datetime, last_run: dict[str, dt.datetime]) -> list[str]:
    """Add a job for each periodic task whose interval has passed since `last_run` (updated).

    A task that already has a job waiting or running gets no second one, so a slow sweep or
    several workers never pile up copies.
    """
    scheduled = []
    periodic: dict[str, int] = getattr(settings, "FINEGRID_PERIODIC_TASKS", {})
    for name, every in periodic.items():
        previous = last_run.get(name)
        if previous is not None and now - previous < dt.timedelta(seconds=every):
            continue
        last_run[name] = now
        waiting = Job.objects.filter(
            name=name, status__in=[JobStatus.PENDING, JobStatus.RUNNING]
        ).exists()
        if not waiting:
            _create_job(name, {}, run_after=now)
            scheduled.append(name)
    return scheduled


def retry_job(*, job_id: int, now: dt.datetime | None = None) -> bool:
    """A person asks for a dead (or waiting) job to run now with a fresh count of attempts."""
    rows = Job.objects.filter(pk=job_id, status__in=[JobStatus.DEAD, JobStatus.PENDING]).update(
        status=JobStatus.PENDING,
        run_after=now or timezone.now(),
        attempts=0,
        claimed_by="",
        claimed_at=None,
        finished_at=None,
    )
    return rows == 1


def purge_finished_jobs(*, before: dt.datetime) -> int:
    """Delete jobs that finished successfully before `before`; dead jobs stay for a person."""
    deleted, _by_model = Job.objects.filter(status=JobStatus.DONE, finished_at__lt=before).delete()
    return deleted


@task("core.run_jobs")
def run_jobs(*, max_jobs: int = 100) -> int:
    """Drain the job table from a Celery worker: the tasks the broker could not take at the time."""
    recover_stale_jobs()
    return run_due_jobs(worker=worker_name(), max_jobs=max_jobs).ran
