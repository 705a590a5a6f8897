"""Two people acting on the same case at the same moment: one wins, the other gets a conflict.

Real threads, each on its own PostgreSQL connection, are started together at a barrier. In the
first test a lock held by the test makes both read the case before either writes, so the
compare-and-set itself must pick the winner; in the second they race freely. Either way exactly
one succeeds, the other gets CaseChanged, the case has exactly one new event and the hash chains
verify.

These tests commit, so the database is emptied after each. Django's serialized rollback would
bring back only the migrations' rows (it is taken before the session seeds the demo city), and
seeding again takes seconds and gives every row a new key: instead the fixtures below copy the
session's tables before the first test and put them back, keys and all, after each flush.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from finegrid.cases import actions
from finegrid.cases.errors import CaseChanged
from finegrid.cases.events import verify_chain
from finegrid.cases.models import Case, CaseEvent
from finegrid.cases.workflow import Status
from finegrid.org.models import Unit, User
from finegrid.worktime.selectors import clear_calendar_cache
from tests.cases.builders import after, case_in, snapshot

ON_POSTGRESQL = str(settings.DATABASES["default"]["ENGINE"]).endswith("postgresql")
pytestmark = [
    pytest.mark.skipif(not ON_POSTGRESQL, reason="two writers need PostgreSQL"),
    pytest.mark.postgresql,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]
ROUNDS = 3


#: Where the module keeps a copy of the session's tables (the migrations' rows and the demo city).
COPY = "finegrid_session_copy"


def _tables() -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True))


def _copy_tables() -> None:
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {COPY} CASCADE")
        cursor.execute(f"CREATE SCHEMA {COPY}")
        for table in _tables():
            cursor.execute(f"CREATE TABLE {COPY}.{quote(table)} AS TABLE {quote(table)}")


def _restore_tables() -> None:
    """Make every table what it was when copied: the same rows under the same keys."""
    from finegrid.geo.selectors import clear_index_cache

    quote = connection.ops.quote_name
    tables = _tables()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(quote(t) for t in tables))
        # Foreign keys are checked at commit (Django makes them deferrable), so any order works.
        for table in tables:
            cursor.execute(f"INSERT INTO {quote(table)} SELECT * FROM {COPY}.{quote(table)}")
    # Caches of rows that were deleted and written back.
    ContentType.objects.clear_cache()
    clear_calendar_cache()
    clear_index_cache()


@pytest.fixture(scope="module", autouse=True)
def _session_tables_kept(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Copy the session's tables before these tests and put them back after the last flush.

    Module scope: set up before and torn down after every test's own flush. The seed is copied
    rather than run again so that its rows keep their keys, which other fixtures may hold.
    """
    if not ON_POSTGRESQL:
        yield
        return
    with django_db_blocker.unblock():
        _copy_tables()
    yield
    with django_db_blocker.unblock():
        _restore_tables()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA {COPY} CASCADE")


@pytest.fixture
def cast(transactional_db: None) -> dict[str, User]:
    """The demo staff by username; the tables are put back first when an earlier test flushed them."""
    if not Unit.objects.exists():
        _restore_tables()
    return {u.username: u for u in User.objects.select_related("unit")}


def race(*calls: Callable[[], Any], gate: Case | None = None) -> list[Any]:
    """Run the calls in threads started together; each one's result, or the exception it raised.

    With a `gate`, the test holds that case's row lock until every thread is waiting on it to
    write, so all of them have read the case (at the same version) before any can write.
    """
    barrier = threading.Barrier(len(calls) + (1 if gate else 0))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    if gate is None:
        for thread in threads:
            thread.start()
    else:
        with transaction.atomic():
            Case.objects.select_for_update().get(pk=gate.pk)
            for thread in threads:
                thread.start()
            barrier.wait(timeout=10)
            _wait_for_writers_blocked(len(calls))
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()
    return results


def _wait_for_writers_blocked(count: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            # Inside a transaction PostgreSQL keeps showing the first look at the activity table.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                " AND query LIKE 'UPDATE \"cases_case\"%%'"
            )
            (waiting,) = cursor.fetchone()
        if waiting == count:
            return
        time.sleep(0.01)
    raise AssertionError(f"{count} writers never queued on the case row")


def outcome_names(results: list[Any]) -> list[str]:
    return sorted(type(r).__name__ for r in results)


def test_two_dispatchers_who_read_the_same_version_dispatch_at_once(
    cast: dict[str, User],
) -> None:
    bureau = Unit.objects.get(name="明湖区城市管理局")
    station = Unit.objects.get(name="明湖区环境卫生管理所")
    for _round in range(ROUNDS):
        # given a filed case both dispatchers have open, at the same version
        case = case_in(Status.FILED, cast=cast)
        before = snapshot(case)
        at = after(case)

        def dispatch(department: Unit, case: Case = case, at: Any = at) -> CaseEvent:
            return actions.dispatch_case(
                case_id=case.pk,
                version=case.version,
                actor=cast["dispatcher"],
                department=department,
                at=at,
            )

        # when both send it, each to a different department, at once
        results = race(lambda: dispatch(bureau), lambda: dispatch(station), gate=case)

        # then one wins and the other is told the case changed
        assert outcome_names(results) == ["CaseChanged", "CaseEvent"]
        (won,) = [r for r in results if isinstance(r, CaseEvent)]
        (lost,) = [r for r in results if isinstance(r, CaseChanged)]
        assert lost.args == (case.pk,)
        # and the case holds the winner's choice and exactly one new event: the winner's
        case.refresh_from_db()
        assert case.status == Status.DISPATCHED
        assert case.version == before.row["version"] + 1
        assert case.department_id == won.data["department"]
        events = list(CaseEvent.objects.filter(case=case).order_by("seq").values())
        assert events[:-1] == before.events
        assert events[-1]["id"] == won.pk
        assert verify_chain() == []


def test_accept_and_decline_racing_freely_one_wins(cast: dict[str, User]) -> None:
    receptionist = cast["receptionist"]
    for _round in range(ROUNDS):
        # given a report two receptionists have open
        case = case_in(Status.REPORTED, cast=cast)
        before = snapshot(case)
        common: dict[str, Any] = {
            "case_id": case.pk,
            "version": case.version,
            "actor": receptionist,
            "at": after(case),
        }

        def accept(common: dict[str, Any] = common) -> CaseEvent:
            return actions.accept_case(**common)

        def decline(common: dict[str, Any] = common) -> CaseEvent:
            return actions.decline_case(**common, note="重复上报")

        # when one accepts it and the other declines it, at once
        results = race(accept, decline)

        # then exactly one of them happened
        assert outcome_names(results) == ["CaseChanged", "CaseEvent"]
        (won,) = [r for r in results if isinstance(r, CaseEvent)]
        case.refresh_from_db()
        assert case.status == won.to_status
        assert case.status in {Status.VERIFYING, Status.DECLINED}
        assert case.version == before.row["version"] + 1
        assert CaseEvent.objects.filter(case=case).count() == len(before.events) + 1
        assert verify_chain() == []


def test_steps_on_different_cases_at_once_all_land_on_one_global_chain(
    cast: dict[str, User],
) -> None:
    # given four reports
    cases = [case_in(Status.REPORTED, cast=cast) for _ in range(4)]
    chained = CaseEvent.objects.count()

    # when four receptionists accept them all at once
    results = race(
        *(
            lambda case=case: actions.accept_case(
                case_id=case.pk, version=case.version, actor=cast["receptionist"], at=after(case)
            )
            for case in cases
        )
    )

    # then all succeed and the global chain takes them one after another
    assert outcome_names(results) == ["CaseEvent"] * 4
    assert CaseEvent.objects.count() == chained + 4
    assert verify_chain() == []
