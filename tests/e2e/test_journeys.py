"""A case's whole life in a real browser, each step by the person who takes it, on their screen.

A citizen reports with a photo and gets a tracking code; the receptionist accepts; the grid's
inspector verifies on a phone; the shift leader files; the dispatcher dispatches; the department
signs for it and disposes with a photo; the receptionist sends the check; the inspector checks on
a phone; the shift leader closes; the citizen sees it closed and rates it; the command-centre
screen counts it. Screenshots of every step land in test-output/e2e/.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.cases.conftest import grid_point, jpeg_bytes
from tests.e2e.conftest import DESKTOP, PHONE, WALL, Shots
from tests.live import LiveSite

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

DEPARTMENT = "明湖区城市管理局"  # the demo handler's department


def act(
    visitor: Any,
    label: str,
    *,
    fill: dict[str, str] | None = None,
    choose: dict[str, str] | None = None,
    photo: Path | None = None,
) -> None:
    """Open the action's panel on the case page, fill it in (text by label, selects by value),
    and press its button."""
    page = visitor.page
    panel = page.locator(
        "details.action", has=page.locator("summary", has_text=re.compile(f"^{label}$"))
    )
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    for name, value in (fill or {}).items():
        panel.get_by_label(name, exact=True).fill(value)
    for name, value in (choose or {}).items():
        panel.get_by_label(name, exact=True).select_option(value=value)
    if photo is not None:
        panel.locator("input[type=file]").set_input_files(str(photo))
    panel.get_by_role("button", name=label, exact=True).click()
    page.wait_for_load_state("networkidle")


def today_counts(visitor: Any) -> dict[str, int]:
    """Today's counts as the screen shows them (numbers formatted for the language)."""
    shown = {}
    for name in ("reported", "filed", "closed"):
        text = visitor.page.locator(f'[data-figure="counts.today.{name}"]').inner_text()
        shown[name] = int(re.sub(r"\D", "", text) or 0)
    return shown


def status_of(visitor: Any) -> str:
    return str(visitor.page.locator(".case-head .status").inner_text())


def test_a_citizens_report_goes_all_the_way_to_a_rated_close(
    visit: Any, live_city: LiveSite, shots: Shots, tmp_path: Path
) -> None:
    before, photo = tmp_path / "before.jpg", tmp_path / "after.jpg"
    before.write_bytes(jpeg_bytes("red"))
    photo.write_bytes(jpeg_bytes("green"))
    lon, lat = grid_point()  # a grid patrolled by the demo inspector
    _status, found = live_city.request(
        "GET", "/api/v1/catalogue/categories?q=" + quote("暴露垃圾"), token="dispatcher"
    )
    category = next(c for c in found if c["name"] == "暴露垃圾")
    _status, detail = live_city.request(
        "GET", f"/api/v1/catalogue/categories/{category['id']}", token="dispatcher"
    )
    rule = detail["filing_rules"][0]

    # the command centre's wall shows today's counts before
    wall = visit(WALL)
    wall.login("leader")
    wall.go("/screen/")
    wall.page.wait_for_function(
        "document.querySelector('[data-figure=\"counts.today.reported\"]').textContent !== '—'"
    )
    before_counts = today_counts(wall)
    shots(wall.page, "screen-before-1920", full_page=False)

    # a citizen reports on their phone with a photo, and keeps the tracking code
    citizen = visit(PHONE, has_touch=True, is_mobile=True)
    citizen.go(f"/citizen/report?lon={lon}&lat={lat}&crs=wgs84")
    citizen.page.get_by_label("问题描述").fill("小区门口堆着建筑垃圾，挡住了人行道")
    citizen.page.get_by_label("地址或地标（选填）").fill("湖滨路12号")
    citizen.page.locator("input[type=file]").set_input_files(str(before))
    citizen.page.get_by_label("联系电话（选填）").fill("13800138000")
    shots(citizen.page, "citizen-report-phone")
    citizen.page.get_by_role("button", name="提交", exact=True).click()
    citizen.page.wait_for_load_state("networkidle")
    shots(citizen.page, "citizen-tracking-code-phone")
    code = citizen.page.locator("#code-value").inner_text().replace("-", "").strip()
    assert len(code) == 8
    case_no = citizen.page.locator("[data-case-no]").get_attribute("data-case-no")
    _status, listed = live_city.request("GET", f"/api/v1/cases?q={case_no}", token="receptionist")
    created = listed["results"][0]
    assert created["source"] == "citizen"
    assert created["case_no"] == case_no
    case_path = f"/cases/{created['id']}/"

    receptionist = visit(DESKTOP)
    receptionist.login("receptionist")
    receptionist.go("/console/?queue=reported")
    shots(receptionist.page, "receptionist-queue")
    receptionist.page.get_by_role("link", name=created["case_no"]).click()
    shots(receptionist.page, "receptionist-case")
    act(receptionist, "受理")
    assert status_of(receptionist) == "待核实"

    inspector = visit(PHONE, has_touch=True, is_mobile=True)
    inspector.login("inspector")
    inspector.go("/m/")
    shots(inspector.page, "inspector-tasks-phone")
    inspector.go(f"/m/cases/{created['id']}")
    inspector.page.get_by_label("问题属实").check()
    shots(inspector.page, "inspector-verify-phone")
    inspector.page.get_by_role("button", name="提交核实结果").click()
    inspector.page.wait_for_load_state("networkidle")

    shift = visit(DESKTOP)
    shift.login("shiftleader")
    shift.go(case_path)
    assert status_of(shift) == "待立案"
    act(shift, "立案", choose={"类别": str(category["id"]), "立案条件": str(rule["id"])})
    assert status_of(shift) == "待派遣"

    dispatcher = visit(DESKTOP)
    dispatcher.login("dispatcher")
    dispatcher.go(case_path)
    shots(dispatcher.page, "dispatcher-case-with-proposal")
    panel = dispatcher.page.locator("details.action").first
    department = panel.get_by_label("处置单位", exact=True)
    department.select_option(label=DEPARTMENT)
    act(dispatcher, "派遣")
    assert status_of(dispatcher) == "待签收"

    handler = visit(DESKTOP)
    handler.login("handler")
    handler.go("/department/")
    shots(handler.page, "department-workspace")
    handler.page.get_by_role("link", name=created["case_no"]).click()
    act(handler, "签收")
    act(handler, "处置反馈", fill={"处置情况": "已清运建筑垃圾"}, photo=photo)
    assert status_of(handler) == "待派核查"
    shots(handler.page, "department-disposed")

    receptionist.go(case_path)
    act(receptionist, "派发核查")
    assert status_of(receptionist) == "待核查"

    inspector.go(f"/m/cases/{created['id']}")
    inspector.page.get_by_label("已处置到位，核查通过").check()
    inspector.page.locator("input[type=file]").first.set_input_files(str(photo))
    shots(inspector.page, "inspector-check-phone")
    inspector.page.get_by_role("button", name="提交核查结果").click()
    inspector.page.wait_for_load_state("networkidle")
    shots(inspector.page, "inspector-checked-phone")

    shift.go(case_path)
    assert status_of(shift) == "待结案"
    act(shift, "结案")
    assert status_of(shift) == "已结案"
    shots(shift.page, "closed-with-timeline")
    timeline = shift.page.locator(".timeline li strong").all_inner_texts()
    assert timeline == [
        "上报", "受理", "核实", "立案", "派遣", "签收", "处置反馈", "派发核查", "核查通过", "结案",
    ]  # fmt: skip

    # the citizen sees it closed, and rates it
    citizen.go(f"/citizen/track/{code}")
    assert "已办结" in citizen.page.locator(".status").inner_text()
    citizen.page.get_by_label("满意", exact=True).check()
    shots(citizen.page, "citizen-closed-rate-phone")
    citizen.page.get_by_role("button", name="提交评价").click()
    citizen.page.wait_for_load_state("networkidle")
    shots(citizen.page, "citizen-rated-phone")
    _status, rated = live_city.request(
        "GET", f"/api/v1/cases/{created['id']}", token="receptionist"
    )
    assert rated["timeline"][-1]["action"] == "rate"

    # the wall, left open all along, refreshes itself: one more report, filing and close today
    expected = {name: count + 1 for name, count in before_counts.items()}
    wall.page.wait_for_function(
        """expected => Object.entries(expected).every(([name, count]) =>
             parseInt(document.querySelector(`[data-figure="counts.today.${name}"]`)
               .textContent.replace(/\\D/g, ""), 10) === count)""",
        arg=expected,
        timeout=45_000,
    )
    after_counts = today_counts(wall)
    assert after_counts["reported"] == before_counts["reported"] + 1
    assert after_counts["filed"] == before_counts["filed"] + 1
    assert after_counts["closed"] == before_counts["closed"] + 1
    wall.page.wait_for_timeout(1_500)  # let the charts finish their animation
    shots(wall.page, "screen-after-1920", full_page=False)
