import os

from django.db import connection


def test_suite_runs_on_the_database_ci_asked_for() -> None:
    # CI sets FINEGRID_EXPECT_DB for each run; a developer's plain run expects the SQLite default.
    expected = os.environ.get("FINEGRID_EXPECT_DB", "sqlite")
    assert connection.vendor == expected
