"""A leader reads last month's district ranking in a real browser, opens the cases behind a
district's on-time close rate, and downloads the monthly bulletin in every format.

The live city is seeded without cases: this module simulates last month's traffic in it (through
the real actions, `manage.py simulate`) and evaluates and publishes the month
(`manage.py evaluate --all --publish`), as the centre would on the first of the month.
Screenshots land in test-output/e2e/<test>/.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from finegrid.evaluation.periods import Period, PeriodKind
from tests.e2e.conftest import DESKTOP, Shots
from tests.live import LiveSite

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

#: Reports per working day in the simulated month: enough for every district to be ranked.
PER_DAY = 8
MAGIC = {"docx": b"PK", "xlsx": b"PK", "pdf": b"%PDF"}


@pytest.fixture(scope="module")
def last_month(live_city: LiveSite) -> Period:
    """Last month simulated in the live city, then evaluated and published."""
    month = Period.containing(PeriodKind.MONTH, timezone.localdate()).previous()
    days = (month.end - month.start).days
    live_city.city.manage(
        "simulate",
        *("--start", month.start.isoformat(), "--days", str(days)),
        *("--per-day", str(PER_DAY), "--seed", "43", "--allow-production"),
    )
    live_city.city.manage("evaluate", "--all", "--period", month.code, "--publish")
    return month


def count_in(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def test_a_leader_reads_the_ranking_checks_a_figure_and_downloads_the_bulletin(
    visit: Any, last_month: Period, shots: Shots, tmp_path: Path
) -> None:
    leader = visit(DESKTOP)
    leader.login("leader")
    page = leader.page

    # the top bar leads to the rankings: last month's districts, published
    page.get_by_role("link", name="考核排名", exact=True).first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == f"考核排名 {last_month.label} · 区"
    assert page.locator(".run-card .status").inner_text() == "已发布"
    page.wait_for_timeout(800)  # the bar chart's animation
    shots(page, "districts-ranking")
    rows = page.locator("table.ranking tbody tr:not(.unranked)")
    assert rows.count() == 3  # every district of the demo city had cases last month
    ranks = [int(r) for r in page.locator("table.ranking tbody td.rank").all_inner_texts()]
    assert ranks == sorted(ranks)

    # a district's on-time close rate: the numerator under it is the number of cases behind it
    row = rows.first
    district = row.locator("th a").inner_text()
    cell = row.locator('td[data-indicator="on_time_close_rate"]')
    rate = cell.locator("a").inner_text()
    numerator, denominator = (int(n) for n in cell.locator(".fraction").inner_text().split("/"))
    assert rate == f"{100 * numerator / denominator:.2f}%"
    ranking_url = page.url
    cell.locator("a").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().startswith(f"{district} · 按期结案数")
    assert count_in(page.locator("#figure-count").inner_text()) == numerator
    listed = page.locator("table.case-list tbody td.case-no")
    assert listed.count() == min(numerator, 50)
    pages = page.locator("nav.pager span")
    if numerator > 50:
        assert pages.inner_text() == f"1 / {(numerator + 49) // 50}"
    shots(page, "cases-behind-on-time-close-rate")

    # the formula names the denominator too, one click away
    page.locator(".used a", has_text=str(denominator)).first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().startswith(f"{district} · 应结案数")
    assert count_in(page.locator("#figure-count").inner_text()) == denominator

    # back to the ranking, as it was
    page.go_back()
    page.go_back()
    page.wait_for_load_state("networkidle")
    assert page.url == ranking_url

    # the district's own page: its figures explained, and its trend
    page.get_by_role("link", name=district, exact=True).first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#ind-on_time_close_rate .value").inner_text() == rate
    page.wait_for_timeout(800)
    shots(page, "district-page")

    # districts and departments side by side
    leader.go("/rankings/compare/")
    page.wait_for_timeout(1000)
    assert page.locator("#bars-district canvas").count() == 1
    shots(page, "compare")

    # back on the ranking, the monthly bulletin in each format
    leader.go(ranking_url.removeprefix(leader.site.base_url))
    for fmt, magic in MAGIC.items():
        link = page.locator(f'a[data-format="{fmt}"]')
        served = page.request.get(leader.site.base_url + str(link.get_attribute("href")))
        assert served.status == 200, (fmt, served.status, served.text()[:500])
        with page.expect_download() as started:
            page.locator(f'a[data-format="{fmt}"]').click()
        download = started.value
        saved = tmp_path / f"bulletin.{fmt}"
        download.save_as(saved)
        assert saved.read_bytes().startswith(magic), fmt
        assert download.suggested_filename.endswith(f".{fmt}")
        assert not download.suggested_filename.isascii()  # the Chinese name, not the fallback
