"""The task seam: the job written in the caller's transaction, the worker's claims, retries with
back-off, dead jobs, periodic scheduling, and the Celery backend's safety net."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

from finegrid.cases import actions
from finegrid.cases.models import Case, Source
from finegrid.core.models import Job, JobStatus
from finegrid.core.tasks import (
    WorkReport,
    backoff,
    claim_job,
    enqueue,
    purge_finished_jobs,
    recover_stale_jobs,
    retry_job,
    run_due_jobs,
    schedule_periodic,
    task,
)
from finegrid.org.models import User
from tests.cases.conftest import grid_point

RECORDED: list[Any] = []
RECORDED_LOCK = threading.Lock()


@task("tests.record")
def record(*, value: Any) -> Any:
    RECORDED.append(value)
    return value


@task("tests.always_fails")
def always_fails() -> None:
    raise RuntimeError("故意失败")


@task("tests.tick")
def tick() -> None:
    RECORDED.append("tick")


@task("tests.race")
def race(*, value: int) -> None:
    time.sleep(0.005)  # long enough for the other worker to try the same job meanwhile
    with RECORDED_LOCK:
        RECORDED.append((value, threading.current_thread().name))


@pytest.fixture(autouse=True)
def _fresh_record() -> None:
    RECORDED.clear()


@pytest.fixture
def database_backend(settings: Settings) -> Settings:
    settings.FINEGRID_TASK_BACKEND = "database"
    settings.FINEGRID_JOB_MAX_ATTEMPTS = 3
    settings.FINEGRID_JOB_RETRY_SECONDS = 30
    return settings


def report(cast: dict[str, User]) -> Case:
    lon, lat = grid_point()
    return actions.report_case(
        actor=cast["receptionist"],
        source=Source.HOTLINE,
        lon=lon,
        lat=lat,
        description="湖滨路口有暴露垃圾",
    )


def jobs(name: str) -> list[tuple[str, dict[str, Any], str, int]]:
    return [
        (j.name, j.kwargs, j.status, j.attempts)
        for j in Job.objects.filter(name=name).order_by("pk")
    ]


@pytest.mark.django_db
def test_the_job_is_written_in_the_callers_transaction(
    cast: dict[str, User], database_backend: Settings
) -> None:
    # given the database backend
    # when an action reports a case
    with transaction.atomic():
        case = report(cast)
        # then its notification job exists inside the action's own transaction
        event = case.events.get()
        assert connection.in_atomic_block
        assert jobs("cases.notify_event") == [
            ("cases.notify_event", {"event_id": event.pk}, JobStatus.PENDING, 0)
        ]


@pytest.mark.django_db
def test_a_rolled_back_caller_leaves_no_job(
    cast: dict[str, User], database_backend: Settings
) -> None:
    # given the database backend
    cases_before = Case.objects.count()

    def report_then_fail() -> None:
        with transaction.atomic():
            report(cast)
            raise RuntimeError("回滚")

    # when the transaction around a report is rolled back
    with pytest.raises(RuntimeError, match="回滚"):
        report_then_fail()
    # then neither the case nor its job exists
    assert Case.objects.count() == cases_before
    assert jobs("cases.notify_event") == []


@pytest.mark.django_db
def test_the_worker_runs_a_due_job_and_marks_it_done(database_backend: Settings) -> None:
    # given a job waiting
    enqueue("tests.record", value={"n": 1})
    now = timezone.now()
    # when a worker runs the due jobs
    outcome = run_due_jobs(worker="w1", now=now)
    # then the task ran once, and the job is done, held by that worker
    assert outcome == WorkReport(done=1)
    assert RECORDED == [{"n": 1}]
    job = Job.objects.get(name="tests.record")
    assert (job.status, job.attempts, job.claimed_by, job.claimed_at, job.finished_at) == (
        JobStatus.DONE,
        1,
        "w1",
        now,
        now,
    )
    # and a second run finds nothing to do
    assert run_due_jobs(worker="w1", now=now) == WorkReport()
    assert RECORDED == [{"n": 1}]


@pytest.mark.django_db
def test_a_failing_job_backs_off_then_dies(database_backend: Settings) -> None:
    # given a job that always fails, 3 attempts allowed, 30 s back-off base
    enqueue("tests.always_fails")
    t0 = timezone.now()

    def state() -> tuple[str, int, dt.datetime, str]:
        job = Job.objects.get(name="tests.always_fails")
        return job.status, job.attempts, job.run_after, job.last_error

    error = "RuntimeError: 故意失败"
    # when it first fails it waits 30 s
    assert run_due_jobs(worker="w1", now=t0) == WorkReport(retried=1)
    assert state() == (JobStatus.PENDING, 1, t0 + dt.timedelta(seconds=30), error)
    # a worker looking before then leaves it alone
    assert run_due_jobs(worker="w1", now=t0 + dt.timedelta(seconds=29)) == WorkReport()
    assert state() == (JobStatus.PENDING, 1, t0 + dt.timedelta(seconds=30), error)
    # the second failure doubles the wait
    t1 = t0 + dt.timedelta(seconds=30)
    assert run_due_jobs(worker="w1", now=t1) == WorkReport(retried=1)
    assert state() == (JobStatus.PENDING, 2, t1 + dt.timedelta(seconds=60), error)
    # the third is the last: dead, and never run again
    t2 = t1 + dt.timedelta(seconds=60)
    assert run_due_jobs(worker="w1", now=t2) == WorkReport(dead=1)
    assert state() == (JobStatus.DEAD, 3, t1 + dt.timedelta(seconds=60), error)
    assert run_due_jobs(worker="w1", now=t2 + dt.timedelta(days=1)) == WorkReport()
    assert Job.objects.get(name="tests.always_fails").finished_at == t2


@pytest.mark.django_db
def test_a_dead_job_retried_by_a_person_runs_again(database_backend: Settings) -> None:
    # given a dead job
    database_backend.FINEGRID_JOB_MAX_ATTEMPTS = 1
    enqueue("tests.always_fails")
    assert run_due_jobs(worker="w1") == WorkReport(dead=1)
    job = Job.objects.get(name="tests.always_fails")
    # when a person retries it
    now = timezone.now()
    assert retry_job(job_id=job.pk, now=now) is True
    # then it waits to run now with a fresh count, and a worker runs it again
    job.refresh_from_db()
    assert (job.status, job.attempts, job.run_after) == (JobStatus.PENDING, 0, now)
    assert run_due_jobs(worker="w1", now=now) == WorkReport(dead=1)


def test_back_off_doubles_from_the_base_and_is_capped() -> None:
    # given a 30 s base
    # when the waits after 1, 2, 3 and 20 failures are computed
    waits = [backoff(n, base_seconds=30) for n in (1, 2, 3, 20)]
    # then they double, and never exceed six hours
    assert waits == [
        dt.timedelta(seconds=30),
        dt.timedelta(seconds=60),
        dt.timedelta(seconds=120),
        dt.timedelta(hours=6),
    ]
    with pytest.raises(ValueError, match="first failed attempt"):
        backoff(0, base_seconds=30)


@pytest.mark.django_db
def test_two_workers_claiming_the_same_job_one_wins(database_backend: Settings) -> None:
    # given one due job
    enqueue("tests.record", value=1)
    job = Job.objects.get(name="tests.record")
    now = timezone.now()
    # when two workers claim it
    first = claim_job(job_id=job.pk, worker="w1", now=now)
    second = claim_job(job_id=job.pk, worker="w2", now=now)
    # then only the first holds it, and it was counted once
    assert (first, second) == (True, False)
    job.refresh_from_db()
    assert (job.status, job.claimed_by, job.attempts) == (JobStatus.RUNNING, "w1", 1)


def in_own_thread(work: Callable[[], Any], *, name: str = "helper") -> None:
    """Run `work` on a connection of its own (autocommit, outside the test's transaction)."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            work()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=target, name=name)
    thread.start()
    thread.join(timeout=60)
    if errors:
        raise errors[0]


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises writers, so two workers never race; the race runs on PostgreSQL",
)
def test_two_worker_threads_run_every_job_exactly_once(database_backend: Settings) -> None:
    # given 40 jobs committed on another connection, so that every worker sees them
    values = list(range(40))

    def enqueue_all() -> None:
        for value in values:
            enqueue("tests.race", value=value)

    in_own_thread(enqueue_all)
    try:
        start = threading.Barrier(2)
        outcomes: dict[str, WorkReport] = {}

        def work(name: str) -> None:
            try:
                Job.objects.exists()  # connect before the start line
                start.wait()
                outcomes[name] = run_due_jobs(worker=name)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=work, args=(n,), name=n) for n in ("w1", "w2")]
        # when two workers run at once, each on its own connection
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        # then every job ran exactly once, by the worker that claimed it, and both worked
        assert sorted(v for v, _w in RECORDED) == values
        claimed = {
            job.kwargs["value"]: job.claimed_by for job in Job.objects.filter(name="tests.race")
        }
        assert dict(RECORDED) == claimed
        assert outcomes["w1"].done + outcomes["w2"].done == 40
        assert outcomes["w1"].done > 0
        assert outcomes["w2"].done > 0
        assert set(Job.objects.filter(name="tests.race").values_list("status", "attempts")) == {
            (JobStatus.DONE, 1)
        }
    finally:
        # The jobs were committed outside the test's transaction: remove them the worker's way.
        in_own_thread(lambda: purge_finished_jobs(before=timezone.now() + dt.timedelta(days=1)))
    assert not Job.objects.filter(name="tests.race").exists()


@pytest.mark.django_db
def test_a_job_whose_worker_vanished_is_run_again(database_backend: Settings) -> None:
    # given a job claimed by a worker that then died (lease 900 s)
    enqueue("tests.record", value=2)
    job = Job.objects.get(name="tests.record")
    t0 = timezone.now()
    assert claim_job(job_id=job.pk, worker="gone", now=t0)
    # when the lease has not yet run out, then when it has
    early = recover_stale_jobs(now=t0 + dt.timedelta(seconds=899))
    late = recover_stale_jobs(now=t0 + dt.timedelta(seconds=901))
    # then only the second look hands it back, and another worker runs it
    assert (early, late) == (0, 1)
    assert run_due_jobs(worker="w2", now=t0 + dt.timedelta(seconds=902)) == WorkReport(done=1)
    assert RECORDED == [2]
    job.refresh_from_db()
    assert (job.status, job.claimed_by, job.attempts) == (JobStatus.DONE, "w2", 2)


@pytest.mark.django_db
def test_periodic_tasks_are_scheduled_at_their_interval_never_stacked(
    database_backend: Settings,
) -> None:
    # given one periodic task every 60 s
    database_backend.FINEGRID_PERIODIC_TASKS = {"tests.tick": 60}
    last_run: dict[str, dt.datetime] = {}
    t0 = timezone.now()
    # when the worker loop looks at 0 s, 10 s, and 61 s (the first still waiting), then 122 s
    at_start = schedule_periodic(now=t0, last_run=last_run)
    too_soon = schedule_periodic(now=t0 + dt.timedelta(seconds=10), last_run=last_run)
    still_waiting = schedule_periodic(now=t0 + dt.timedelta(seconds=61), last_run=last_run)
    run_due_jobs(worker="w1", now=t0 + dt.timedelta(seconds=62))
    again = schedule_periodic(now=t0 + dt.timedelta(seconds=122), last_run=last_run)
    # then one job at the start, none while one waits, and another once it has run
    assert (at_start, too_soon, still_waiting, again) == (["tests.tick"], [], [], ["tests.tick"])
    assert RECORDED == ["tick"]
    assert [j[2] for j in jobs("tests.tick")] == [JobStatus.DONE, JobStatus.PENDING]


@pytest.mark.django_db
def test_run_worker_once_with_a_job_limit(database_backend: Settings) -> None:
    # given three jobs waiting
    for value in (1, 2, 3):
        enqueue("tests.record", value=value)
    out = StringIO()
    # when the worker runs once with a limit of two
    call_command("run_worker", "--once", "--max-jobs", "2", stdout=out)
    # then the two oldest ran and the third waits
    assert RECORDED == [1, 2]
    assert out.getvalue() == "ran 2 jobs: 2 done, 0 to retry, 0 dead\n"
    assert [j[2] for j in jobs("tests.record")] == [
        JobStatus.DONE,
        JobStatus.DONE,
        JobStatus.PENDING,
    ]


@pytest.mark.django_db
def test_run_worker_refuses_a_limit_below_one(database_backend: Settings) -> None:
    # given a job waiting
    enqueue("tests.record", value=1)
    # when the worker is asked to run no job at all
    with pytest.raises(CommandError, match="--max-jobs must be at least 1"):
        call_command("run_worker", "--once", "--max-jobs", "0")
    # then nothing ran
    assert RECORDED == []
    assert [j[2] for j in jobs("tests.record")] == [JobStatus.PENDING]


@pytest.mark.django_db
def test_enqueue_refuses_unknown_tasks_and_values_that_are_not_json(
    database_backend: Settings,
) -> None:
    # given the database backend
    # when a task is enqueued under an unknown name, or with a datetime
    with pytest.raises(KeyError, match=r"unknown task tests\.nope"):
        enqueue("tests.nope")
    with pytest.raises(TypeError, match="keyword arguments must be JSON values"):
        enqueue("tests.record", value=timezone.now())
    # then no job was written
    assert Job.objects.filter(name__startswith="tests.").count() == 0


@pytest.mark.django_db
def test_immediate_backend_runs_after_commit_and_swallows_failures(
    settings: Settings, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    # given the immediate backend
    settings.FINEGRID_TASK_BACKEND = "immediate"
    # when two tasks are enqueued, one of which fails
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enqueue("tests.always_fails")
        enqueue("tests.record", value="after")
        # then nothing runs before the commit
        assert RECORDED == []
    # and after it both ran, the failure only logged, and no job row was written
    assert len(callbacks) == 2
    assert RECORDED == ["after"]
    assert Job.objects.filter(name__startswith="tests.").count() == 0


@pytest.mark.django_db
def test_celery_backend_keeps_the_task_when_the_broker_is_away(
    settings: Settings, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    # given the Celery backend with a broker nobody listens on
    from config.celery import use_broker

    settings.FINEGRID_TASK_BACKEND = "celery"
    configured = use_broker("redis://127.0.0.1:1/0")
    try:
        # when a task is enqueued and the caller commits
        with django_capture_on_commit_callbacks(execute=True):
            enqueue("tests.record", value=7)
    finally:
        use_broker(configured)
    # then the task waits in the job table instead of being lost
    assert jobs("tests.record") == [("tests.record", {"value": 7}, JobStatus.PENDING, 0)]
    assert RECORDED == []


@pytest.mark.django_db
def test_a_task_failing_under_celery_waits_in_the_job_table(database_backend: Settings) -> None:
    # given the generic Celery task, run in this process as a worker would run it
    from config.celery import run

    before = timezone.now()
    # when it runs a task that succeeds, and one that fails
    result = run("tests.record", {"value": 3})
    failed = run("tests.always_fails", {})
    # then the first returns its value, the second waits for its retries in the job table
    assert (result, failed, RECORDED) == (3, None, [3])
    job = Job.objects.get(name="tests.always_fails")
    assert (job.status, job.attempts, job.last_error) == (
        JobStatus.PENDING,
        1,
        "RuntimeError: 故意失败",
    )
    assert (
        before + dt.timedelta(seconds=30)
        <= job.run_after
        <= timezone.now() + dt.timedelta(seconds=30)
    )


@pytest.mark.django_db
def test_the_admin_lists_jobs_and_runs_a_dead_one_again(
    database_backend: Settings, client: Client
) -> None:
    # given a dead job, and an administrator
    database_backend.FINEGRID_JOB_MAX_ATTEMPTS = 1
    enqueue("tests.always_fails")
    run_due_jobs(worker="w1")
    job = Job.objects.get(name="tests.always_fails")
    client.force_login(User.objects.create_superuser(username="job-admin", password="x"))
    # when the administrator opens the job list, then runs the job again from it
    listing = client.get(reverse("admin:core_job_changelist"))
    response = client.post(
        reverse("admin:core_job_changelist"),
        {"action": "retry_now", "_selected_action": [job.pk]},
        follow=True,
    )
    # then the job is listed, and waits to run again with a fresh count
    assert listing.status_code == 200
    assert "tests.always_fails" in listing.content.decode()
    assert "已重新排队1个任务" in response.content.decode()
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.PENDING, 0)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "FINEGRID_TASK_BACKEND",
            "rabbitmq",
            "FINEGRID_TASK_BACKEND='rabbitmq' must be one of: celery, database, immediate.",
        ),
        (
            "FINEGRID_NOTIFY_CHANNELS",
            "in_app,fax",
            "FINEGRID_NOTIFY_CHANNELS='in_app,fax' names a channel other than in_app, email, "
            "sms, wechat.",
        ),
        (
            "FINEGRID_JOB_MAX_ATTEMPTS",
            "0",
            "FINEGRID_JOB_MAX_ATTEMPTS=0 is below its minimum of 1.",
        ),
    ],
)
def test_a_malformed_background_setting_stops_the_process(
    variable: str, value: str, message: str, tmp_path: Path
) -> None:
    # given a malformed value for one of the background-work variables
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FINEGRID_", "DATABASE_"))}
    # when a management command starts
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(__file__).resolve().parents[2],
        env={**clean, "FINEGRID_VAR_DIR": str(tmp_path), variable: value},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # then it stops, naming the variable and what is wrong
    assert result.returncode == 1
    assert message in result.stderr
