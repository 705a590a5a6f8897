"""Campaign journeys in a real browser over the demo city's campaigns (`manage.py demo_campaigns`).

This module runs its own live city: the journeys tick a task off and publish last month's
departments-campaigns run, and a published run refuses `evaluate --all --publish` for that month,
which tests/e2e/test_rankings.py runs in the shared city. Screenshots land in
test-output/e2e/<test>/.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from finegrid.demo.campaigns import JOURNEY_TASK_TITLE
from finegrid.demo.liveserver import LiveCity, Vendor
from finegrid.evaluation.periods import Period, PeriodKind
from tests.e2e.conftest import DESKTOP, Shots
from tests.live import LiveSite, _pg_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

OWNER = "deptadmin"  # 杨帆, department admin of 明湖区城市管理局: the journey task's responsible


@pytest.fixture(scope="module")
def live_city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    """A live demo city of this module's own, with the demo's campaigns built in it."""
    from django.db import connection

    vendor: Vendor = "postgresql" if connection.vendor == "postgresql" else "sqlite"
    city = LiveCity(
        vendor=vendor,
        workdir=tmp_path_factory.mktemp("campaign_city"),
        env={"FINEGRID_RATE_TOKEN": "1000000/min"},
        pg_url=_pg_url() if vendor == "postgresql" else "postgres://postgres@127.0.0.1:5432",
    )
    try:
        city.prepare()
        city.manage("demo_campaigns", "--seed", "1")
        city.start()
        yield LiveSite(city)
    finally:
        city.drop()


def last_month() -> Period:
    return Period.containing(PeriodKind.MONTH, timezone.localdate()).previous()


def test_a_late_task_is_supervised_answered_accepted_and_counted(
    visit: Any, live_city: LiveSite, shots: Shots
) -> None:
    # the leader opens 专项行动 → the plan's board and filters the red tasks
    leader = visit(DESKTOP)
    leader.login("leader")
    page = leader.page
    leader.go("/")
    page.get_by_role("link", name="专项行动", exact=True).first.click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name=re.compile("示范市城市精细化管理三年行动计划")).first.click()
    page.wait_for_load_state("networkidle")
    assert "示范市城市精细化管理三年行动计划" in page.locator("h1").inner_text()
    red_filter = page.locator('a.cg-filter[data-light="red"]')
    red_count = int(red_filter.locator(".value").inner_text())
    assert red_count >= 3
    red_filter.click()
    page.wait_for_load_state("networkidle")
    rows = page.locator("table tbody tr[data-light]")
    assert rows.count() == red_count
    assert set(rows.evaluate_all("rs => rs.map(r => r.dataset.light)")) == {"red"}
    row = rows.filter(has_text=JOURNEY_TASK_TITLE)
    assert row.count() == 1
    assert "明湖区城市管理局" in row.inner_text()
    assert "已滞后" in row.inner_text()
    shots(page, "board-red-tasks")

    # ... opens the red task of 明湖区城市管理局 and issues a supervision notice
    row.get_by_role("link", name=re.compile(re.escape(JOURNEY_TASK_TITLE))).click()
    page.wait_for_load_state("networkidle")
    task_url = page.url
    assert JOURNEY_TASK_TITLE in page.locator("h1").inner_text()
    assert "“完成时限”应于" in page.locator(".cg-reason").inner_text()
    page.locator("summary", has_text="下发督办单").click()
    reason = "存量违建拆除已超过完成时限，请说明剩余点位和完成时间。"
    page.get_by_label("督办事项").fill(reason)
    due = timezone.localtime() + dt.timedelta(days=3)
    page.get_by_label("回复时限").fill(due.strftime("%Y-%m-%dT17:30"))
    page.get_by_role("button", name="下发督办").click()
    page.wait_for_load_state("networkidle")
    notices = page.locator("#notices")
    assert reason in notices.inner_text()
    assert "待回复" in notices.inner_text()
    number = notices.locator("article strong").first.inner_text()
    assert re.fullmatch(r"督办〔\d{4}〕\d+号", number)
    shots(page, "notice-issued")

    # the owner sees it in the supervision list and in my tasks, and replies
    owner = visit(DESKTOP)
    owner.login(OWNER)
    opage = owner.page
    owner.go("/campaigns/supervision/")
    listed = opage.locator(f'tr[data-notice="{number}"]')
    assert JOURNEY_TASK_TITLE in listed.inner_text()
    assert "待回复" in listed.inner_text()
    owner.go("/campaigns/mine/")
    mine = opage.locator("tr", has_text=JOURNEY_TASK_TITLE)
    assert mine.count() >= 1
    shots(opage, "owner-my-tasks")
    mine.first.get_by_role("link", name=re.compile(re.escape(JOURNEY_TASK_TITLE))).click()
    opage.wait_for_load_state("networkidle")
    reply = "剩余1.2万平方米涉及两户产权争议，已依法送达限期拆除决定，本周内拆除完毕。"
    opage.get_by_label("回复内容").fill(reply)
    opage.get_by_role("button", name="提交回复").click()
    opage.wait_for_load_state("networkidle")
    assert reply in opage.locator("#notices").inner_text()
    assert "已回复" in opage.locator("#notices").inner_text()

    # ... reports 100 % and asks for acceptance with evidence
    opage.locator("summary", has_text="报送进度").click()
    opage.get_by_label("完成进度(%)").fill("100")
    opage.get_by_label("当前值").fill("8.1")
    opage.get_by_label("进展情况").fill("书院片区、钟楼片区违建全部拆除，场地已清理。")
    opage.get_by_role("button", name="报送", exact=True).click()
    opage.wait_for_load_state("networkidle")
    assert "100%" in opage.locator("#reports tbody tr").first.inner_text()
    opage.locator("summary", has_text="申请验收销号").click()
    evidence = "累计拆除8.1万平方米，拆除前后对比照片和拆除台账附后。"
    opage.get_by_label("完成情况及佐证").fill(evidence)
    opage.get_by_role("button", name="申请验收").click()
    opage.wait_for_load_state("networkidle")
    assert "待验收" in opage.locator("h1").inner_text()
    shots(opage, "owner-asked-for-acceptance")

    # the supervisor (not the owner) accepts from the queue: the task is ticked off
    acceptor = visit(DESKTOP)
    acceptor.login("supervisor")
    apage = acceptor.page
    acceptor.go("/campaigns/acceptance/")
    queued = apage.locator("tbody tr", has_text=JOURNEY_TASK_TITLE)
    assert evidence in queued.inner_text()
    shots(apage, "acceptance-queue")
    queued.get_by_role("link", name="验收").click()
    apage.wait_for_load_state("networkidle")
    apage.get_by_label("验收通过并销号").check()
    apage.get_by_label("验收意见").fill("现场核查拆除到位，同意销号。")
    apage.get_by_role("button", name="提交验收结论").click()
    apage.wait_for_load_state("networkidle")
    assert "已销号" in apage.locator("h1").inner_text()
    accepted = apage.locator("#acceptance article").first.inner_text()
    assert "验收通过" in accepted
    assert "赵敏" in accepted
    assert evidence in accepted
    shots(apage, "ticked-off")

    # the plan's ledger lists who ticked it off, when and on what evidence
    leader.go(task_url.removeprefix(leader.site.base_url))
    page.locator(".crumbs a").nth(1).click()
    page.wait_for_load_state("networkidle")
    ledger = page.locator("tr", has_text=JOURNEY_TASK_TITLE).filter(has_text=evidence)
    assert ledger.count() == 1
    assert "赵敏" in ledger.inner_text()
    assert timezone.localdate().isoformat() in ledger.inner_text()
    shots(page, "ledger")

    # last month is recomputed and published: 明湖区城市管理局's campaign figures in its ranking
    month = last_month()
    published = live_city.city.shell(
        "from finegrid.evaluation.models import Run\n"
        f"run = Run.objects.filter(scheme__code='departments-campaigns', period='{month.code}',"
        " status='published').order_by('-pk').first()\n"
        "print(run.pk if run else '')"
    ).strip()
    extra = ["--corrects", published, "--note", "专项任务销号后重新计算"] if published else []
    live_city.city.manage(
        "evaluate",
        *("--scheme", "departments-campaigns", "--period", month.code, "--publish", *extra),
    )
    leader.go(f"/rankings/?scheme=departments-campaigns&period={month.code}&kind=department")
    page.wait_for_load_state("networkidle")
    assert month.label in page.locator("h1").inner_text()
    headers = page.locator("table.ranking thead").inner_text()
    for name in ("专项任务按期销号率", "督查整改率", "督查检查达标率"):
        assert name in headers
    department = page.locator("table.ranking tbody tr", has_text="明湖区城市管理局").first
    while department.count() == 0 and page.locator("nav.pager a", has_text="下一页").count():
        page.locator("nav.pager a", has_text="下一页").click()
        page.wait_for_load_state("networkidle")
    cell = department.locator('td[data-indicator="campaign_task_on_time_rate"]')
    assert cell.locator(".fraction").inner_text() == "1/2"  # 1.4.1 on time, 4.1.1 late
    assert cell.inner_text().startswith("50.00%")
    department.scroll_into_view_if_needed()
    page.wait_for_timeout(600)
    shots(page, "ranking-campaign-figures")


def test_the_undercover_rounds_failures_are_rectifications_and_cases(
    visit: Any, live_city: LiveSite, shots: Shots
) -> None:
    supervisor = visit(DESKTOP)
    supervisor.login("supervisor")
    page = supervisor.page
    supervisor.go("/campaigns/rounds/")
    page.get_by_role("link", name=re.compile("城市管理暗访")).first.click()
    page.wait_for_load_state("networkidle")
    assert "城市管理暗访" in page.locator("h1").inner_text()
    assert "暗访" in page.locator("main").inner_text()
    failed = int(page.locator(".figure.bad .value").inner_text())
    assert failed >= 5
    page.wait_for_selector("#round-map .leaflet-marker-icon, #round-map path.leaflet-interactive")
    assert page.locator("#round-map").is_visible()
    listed = page.locator(".cg-failed")
    assert listed.count() == failed
    page.wait_for_timeout(800)  # tiles and markers settle
    shots(page, "round-map-and-failures")

    # a failure with a case: its rectification task, then its case (source 暗访)
    with_case = listed.filter(has=page.get_by_role("link", name="案卷")).first
    standard = with_case.inner_text().split(".", 1)[1].strip()[:10]
    with_case.get_by_role("link", name="整改任务").click()
    page.wait_for_load_state("networkidle")
    assert "整改事项" in page.locator("main").inner_text()
    assert standard in page.locator("h1").inner_text()
    case_link = page.locator("dt", has_text="关联案卷").locator("xpath=following-sibling::dd[1]//a")
    case_no = case_link.inner_text()
    shots(page, "rectification-task")
    case_link.click()
    page.wait_for_load_state("networkidle")
    assert case_no in page.locator("main").inner_text()
    assert "暗访" in page.locator("main").inner_text()
    shots(page, "case-from-undercover")
