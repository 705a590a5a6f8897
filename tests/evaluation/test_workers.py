"""Forked workers count exactly what one process counts, on the run's own database.

The parallel fold runs only outside a transaction, so this test drives `manage.py evaluate`
against the live demo city (its own database, as in production), not the test's transaction.
"""

from __future__ import annotations

import re

from tests.live import LiveSite

WEEK = "2026-W10"  # 2 to 8 March 2026: no other test puts cases there


def _digests(output: str) -> dict[str, str]:
    return dict(re.findall(r"run #\d+ (\S+) v\d+ \[draft\]: \d+ subjects, digest (\w+)", output))


def test_two_workers_compute_the_same_figures_as_one(live_city: LiveSite) -> None:
    live_city.city.manage(
        "simulate", "--start", "2026-03-02", "--days", "5", "--per-day", "12", "--seed", "5",
        "--allow-production",
    )  # fmt: skip
    one = live_city.city.manage("evaluate", "--all", "--period", WEEK, "--workers", "1")
    two = live_city.city.manage("evaluate", "--all", "--period", WEEK, "--workers", "2")
    assert "with 1 worker(s)" in one
    assert "with 2 worker(s)" in two
    cases = re.search(r": (\d+) cases", one)
    assert cases is not None
    assert int(cases.group(1)) > 20
    assert f": {cases.group(1)} cases" in two
    assert len(_digests(one)) == 6
    assert _digests(one) == _digests(two)
