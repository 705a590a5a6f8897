"""Journeys in a real browser: Debian's chromium driven by Playwright against the live city.

Chromium is a system package (`apt-get install chromium fonts-noto-cjk`; `.ci/run` installs it).
Without it these tests skip with the reason, except where FINEGRID_REQUIRE_BROWSER is set, as CI
sets it: there a missing browser is a failure. Every journey saves numbered screenshots under
`test-output/e2e/<test>/` for a reviewer to look at.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.live import LiveSite

CHROMIUM = os.environ.get("FINEGRID_CHROMIUM", "/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "e2e"
# A closed network: stop chromium's own background traffic (updates, sync, field trials).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1366, "height": 900}
WALL = {"width": 1920, "height": 1080}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} is absent: apt-get install chromium fonts-noto-cjk"
        if os.environ.get("FINEGRID_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # The sync Playwright API runs an event loop in this thread, which makes Django refuse ORM
    # calls; the journeys' own ORM use is synchronous. Allowed while the browser lives only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield launched
            launched.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class Shots:
    """Numbered screenshots of one journey, in the order they were taken."""

    folder: Path
    taken: list[Path] = field(default_factory=list)

    def __call__(self, page: Any, name: str, *, full_page: bool = True) -> Path:
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        self.taken.append(path)
        return path


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    folder = OUTPUT / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return Shots(folder)


@dataclass
class Visitor:
    """One person at one browser (their own cookies), signed in or not."""

    site: LiveSite
    page: Any

    def go(self, path: str) -> Any:
        response = self.page.goto(self.site.base_url + path)
        assert response is not None, path
        assert response.status < 500, (path, response.status)
        return response

    def login(self, username: str) -> None:
        self.go("/login/")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(self.site.city.logins[username])
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_url(re.compile(r"^(?!.*/login/).*$"))


@pytest.fixture
def visit(browser: Any, live_city: LiveSite) -> Iterator[Any]:
    """visit(viewport=PHONE) → a Visitor with a fresh browser context (zh-CN, Asia/Shanghai)."""
    contexts: list[Any] = []

    def open_visitor(viewport: dict[str, int] = DESKTOP, **options: Any) -> Visitor:
        context = browser.new_context(
            viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai", **options
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return Visitor(live_city, context.new_page())

    yield open_visitor
    for context in contexts:
        context.close()
