"""The sweep and the notifications run by real workers: the embedded `run_worker` in-process (both
databases), and a real Celery worker process on the real Redis (PostgreSQL, in CI).

The Celery test needs committed data another process can read, so it is transactional: Django
empties the database after it, and `restore_demo_city` puts back what the session had (the
data of the migrations, then the demo city) before any later test runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import redis
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from pytest_django.fixtures import Settings

from finegrid.cases.models import Case
from finegrid.cases.workflow import Status
from finegrid.core.models import Job, JobStatus
from finegrid.core.tasks import enqueue
from finegrid.notifications.models import Channel, DeliveryStatus, Message, MessageKind
from finegrid.org.actions import upsert_staff_user
from finegrid.org.models import User
from finegrid.org.roles import Role
from tests.cases.builders import case_in

REPO = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of its own, flushed before and after
SWEEP_AT = "2026-11-16T11:30:00+08:00"  # past the 11:20 disposal deadline of the case below
WAIT_SECONDS = 60

DEPARTMENT = "明湖区城市管理局"
SUPERVISION = "示范市城市运行管理监督中心"
COMMAND = "示范市城市运行管理指挥中心"


def give_handler_an_address() -> User:
    handler = User.objects.select_related("unit").get(username="handler")
    return upsert_staff_user(
        username="handler",
        full_name=handler.full_name,
        roles=[Role.HANDLER],
        unit=handler.unit,
        email="chenjing@example.gov.cn",
    )


def messages_about(case: Case) -> list[tuple[str, str, str, str]]:
    return sorted(
        (m.recipient_label(), m.channel, m.kind, m.status)
        for m in Message.objects.filter(case=case).select_related("user", "unit", "citizen")
    )


def expected_messages(inspector: str) -> list[tuple[str, str, str, str]]:
    """What a disposing case swept past its deadline calls for, all delivered."""
    sent = DeliveryStatus.SENT
    return sorted(
        [
            # acceptance: the inspector is asked to verify
            (inspector, Channel.IN_APP, MessageKind.EVENT, sent),
            # dispatch: the department's inbox and its handler's e-mail
            (DEPARTMENT, Channel.IN_APP, MessageKind.EVENT, sent),
            ("陈静", Channel.EMAIL, MessageKind.EVENT, sent),
            # the sweep: overdue, to the department and both centres
            (DEPARTMENT, Channel.IN_APP, MessageKind.ESCALATION, sent),
            ("陈静", Channel.EMAIL, MessageKind.ESCALATION, sent),
            (COMMAND, Channel.IN_APP, MessageKind.ESCALATION, sent),
            (SUPERVISION, Channel.IN_APP, MessageKind.ESCALATION, sent),
        ]
    )


@pytest.mark.django_db
def test_the_embedded_worker_runs_the_sweep_and_the_delivery(
    cast: dict[str, User], settings: Settings
) -> None:
    # given the database backend, a handler with an e-mail address, and a case in disposal whose
    # actions left their notification jobs in the table
    settings.FINEGRID_TASK_BACKEND = "database"
    give_handler_an_address()
    case = case_in(Status.DISPOSING, cast=cast)
    assert case.inspector is not None
    # when the sweep and the delivery are enqueued through the seam and the worker runs once
    enqueue("cases.sweep", now=SWEEP_AT)
    enqueue("notifications.deliver")
    out = StringIO()
    call_command("run_worker", "--once", stdout=out)
    # then every message exists and was delivered, the e-mails through the mail backend
    assert messages_about(case) == expected_messages(str(case.inspector))
    assert sorted(m.subject for m in mail.outbox) == [
        f"新派遣案卷{case.case_no}",
        f"案卷{case.case_no}已超时",
    ]
    assert {m.to[0] for m in mail.outbox} == {"chenjing@example.gov.cn"}
    # and every job is done: the six events' notifications, the sweep and three deliveries
    assert out.getvalue() == "ran 10 jobs: 10 done, 0 to retry, 0 dead\n"
    assert set(Job.objects.values_list("status", flat=True)) == {JobStatus.DONE}


# --- a real Celery worker on the real Redis ------------------------------------------------------


@pytest.fixture(scope="module")
def restore_demo_city(
    django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """After the transactional test emptied the database: the migrations' data, then the city."""
    yield
    from finegrid.demo.seed import seed_demo

    with django_db_blocker.unblock(), override_settings(VAR_DIR=tmp_path_factory.mktemp("var")):
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents:
            connection.creation.deserialize_db_from_string(contents)
        seed_demo()


def database_url() -> str:
    """The test database (test_<name>) as a URL for the worker process."""
    db = connection.settings_dict
    user = quote(str(db["USER"] or ""))
    password = f":{quote(str(db['PASSWORD']))}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{quote(str(db['NAME']))}"


def start_worker(log: Path, var_dir: Path) -> subprocess.Popen[bytes]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FINEGRID_", "DATABASE_"))}
    env = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "FINEGRID_TASK_BACKEND": "celery",
        "FINEGRID_REDIS_URL": REDIS_URL,
        "FINEGRID_VAR_DIR": str(var_dir),
        "FINEGRID_EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        f"--hostname=finegrid-test-{os.getpid()}@%h",
    ]
    with log.open("wb") as out:
        # A session of its own, so that stopping it reaches every process it started.
        return subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is not None:
        return
    os.killpg(worker.pid, signal.SIGTERM)  # Celery's warm shutdown
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)


@pytest.mark.slow
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a worker process cannot see SQLite's in-memory test database; "
    "the embedded worker test above covers SQLite, and CI runs this one on PostgreSQL",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_celery_worker_on_redis_runs_the_sweep_and_the_delivery(
    settings: Settings, tmp_path: Path, restore_demo_city: None
) -> None:
    from config.celery import use_broker

    # given an empty Redis database, the demo city, and this process sending tasks to Celery there
    broker = redis.Redis.from_url(REDIS_URL)
    broker.flushdb()
    if not User.objects.filter(username="handler").exists():
        # An earlier transactional test emptied the database without putting the city back.
        from finegrid.demo.seed import seed_demo

        with override_settings(VAR_DIR=tmp_path):
            seed_demo()
    settings.FINEGRID_TASK_BACKEND = "celery"
    configured = use_broker(REDIS_URL)
    log = tmp_path / "worker.log"
    worker = start_worker(log, tmp_path)
    try:
        cast = {u.username: u for u in User.objects.select_related("unit")}
        give_handler_an_address()
        # and a case taken to disposal, whose actions hand their notifications to the worker
        case = case_in(Status.DISPOSING, cast=cast)
        assert case.inspector is not None
        # when the sweep and the delivery are enqueued through the seam
        enqueue("cases.sweep", now=SWEEP_AT)
        enqueue("notifications.deliver")
        # then the worker queues and delivers every message within the time allowed
        started = time.monotonic()
        expected = expected_messages(str(case.inspector))
        while messages_about(case) != expected:
            if worker.poll() is not None or time.monotonic() - started > WAIT_SECONDS:
                stop_worker(worker)
                pytest.fail(
                    f"after {time.monotonic() - started:.1f} s the messages are "
                    f"{messages_about(case)}; worker log:\n{log.read_text()[-4000:]}"
                )
            time.sleep(0.25)
        elapsed = time.monotonic() - started
        # the e-mails were written by the worker's mail backend, one per message
        stop_worker(worker)
        output = log.read_text()
        assert output.count("To: chenjing@example.gov.cn") == 2, output[-4000:]
        # and nothing failed on the way
        assert Job.objects.count() == 0, output[-4000:]
        print(f"Celery worker delivered {len(expected)} messages in {elapsed:.1f} s")
    finally:
        stop_worker(worker)
        use_broker(configured)
        broker.flushdb()
        broker.close()
