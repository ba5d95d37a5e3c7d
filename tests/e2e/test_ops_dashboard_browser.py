"""The ops dashboard in a real browser: Debian's Chromium, headless, driven by Playwright
(never Playwright's own browser download), at a laptop's and a phone's viewport.

The SLA app serves over HTTP from the real store and broker. The test checks that the
numbers the page shows are the JSON's, that the page loads nothing from outside the
service (every request the browser makes is to it, and no console error such as a
Content-Security-Policy refusal), that it fits a phone's width, and that it refreshes
without a reload when a clock changes. Screenshots go to test-artifacts/ops-dashboard/.
A missing Chromium fails the test: it is installed by `make test` (or here) with apt-get.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from nigrani_localinfra.browser import CHROMIUM_ARGS, ensure_chromium
from nigrani_sla.dashboard.pages import duration_text, percent_text
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.integration.sla.test_ops_board import deadline_set
from tests.support.infra import Infra
from tests.support.sla_board import board_system
from tests.support.sla_clocks import clock, stopped
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "ops-dashboard"
VIEWPORTS: dict[str, dict[str, Any]] = {
    "laptop": {"viewport": {"width": 1366, "height": 800}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}
SEED = [
    clock("BP2W-1J63-2P5D", resolution_due_at=NOW - 52 * HOUR, escalation_level=2),
    clock("C7QX-99AA-0K1M", resolution_due_at=NOW - 2 * HOUR, last_staff_action_at=NOW - HOUR),
    clock("D4RT-0000-1111", resolution_due_at=NOW + HOUR, running_since=None),
    clock(
        "K2LM-5555-0001", resolution_due_at=NOW - 7 * 24 * HOUR, submitted_at=NOW - 9 * 24 * HOUR
    ),
    stopped("E5YU-2222-3333", NOW - HOUR, submitted_at=NOW - 5 * HOUR, resolution_due_at=NOW),
    stopped(
        "E5YU-2222-4444",
        NOW - 30 * HOUR,
        submitted_at=NOW - 80 * HOUR,
        resolution_due_at=NOW - 40 * HOUR,
    ),
    clock("F6IO-4444-5555", department_code="LESCO", resolution_due_at=NOW - HOUR),
    clock("G7PA-6666-7777", department_code=None, resolution_due_at=None),
]


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """The app over real HTTP on a free loopback port (its lifespan already running)."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        return server.started

    try:
        await eventually(started, within=30, what="the HTTP server started")
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    executable = ensure_chromium()  # installs Debian's package when missing; never skips
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=executable, headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            yield browser
        finally:
            await browser.close()


async def _text(page: Page, field: str) -> str:
    return (await page.locator(f'[data-field="{field}"]').inner_text()).strip()


async def _value(page: Page, field: str) -> str | None:
    return await page.locator(f'[data-field="{field}"]').get_attribute("data-value")


def _number(raw: str | None) -> float | None:
    return float(raw) if raw else None


async def assert_page_matches(page: Page, body: dict[str, Any]) -> None:
    """Every figure on the page is the JSON's, in the format pages.py (and board.js) use."""
    for field in ("open", "overdue", "paused", "breaches_today"):
        assert await _text(page, field) == str(body[field]), field
    ratio = body["compliance"]["ratio"]
    assert _number(await _value(page, "compliance")) == ratio
    assert await _text(page, "compliance") == percent_text(ratio)
    for field, key in (("median", "median_seconds"), ("p90", "p90_seconds")):
        seconds = body["time_to_resolve"][key]
        assert _number(await _value(page, field)) == pytest.approx(seconds), field
        assert await _text(page, field) == duration_text(seconds), field
    rows = page.locator('[data-table="oldest_overdue"] tr')
    shown = [
        [cell.strip() for cell in await rows.nth(n).locator("td").all_inner_texts()]
        for n in range(await rows.count())
    ]
    assert shown == [
        [case["request_id"], case["department"], duration_text(case["overdue_seconds"])]
        for case in body["oldest_overdue"]
    ]
    assert await page.locator('[data-chart="flow"] polyline').count() == 3
    assert await page.locator('[data-chart="backlog"] rect').count() == len(body["trend"])


async def _open(browser: Browser, base: str, path: str, viewport: str) -> tuple[Page, list[str]]:
    context = await browser.new_context(**VIEWPORTS[viewport])
    page = await context.new_page()
    problems: list[str] = []
    page.on(
        "request",
        lambda r: problems.append(f"request to {r.url}") if not r.url.startswith(base) else None,
    )
    page.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    response = await page.goto(base + path)
    assert response is not None
    assert response.status == 200
    await page.wait_for_load_state("networkidle")
    return page, problems


async def test_the_dashboard_in_chromium_shows_the_json_and_refreshes_itself(
    infra: Infra, capsys: pytest.CaptureFixture[str]
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    async with (
        board_system(infra, seed=SEED, clock=lambda: NOW, refresh_seconds=1) as system,
        serving(system.app) as base,
        chromium() as browser,
        httpx.AsyncClient(base_url=base) as http,
    ):
        pages = {
            "system": ("/ops/", "/v1/ops/summary"),
            "department": ("/ops/departments/WASA-LHR", "/v1/ops/departments/WASA-LHR"),
        }
        for viewport in VIEWPORTS:
            for name, (path, data) in pages.items():
                page, problems = await _open(browser, base, path, viewport)
                await assert_page_matches(page, (await http.get(data)).json())
                fits = await page.evaluate(
                    "document.documentElement.scrollWidth <= window.innerWidth"
                )
                assert fits, f"{name} page wider than the {viewport} viewport"
                shot = ARTIFACTS / f"{name}-{viewport}.png"
                await page.screenshot(path=str(shot), full_page=True)
                assert problems == [], problems
                await page.context.close()

        page, problems = await _open(browser, base, "/ops/", "laptop")
        await page.evaluate("window.notReloaded = true")
        before = int(await _text(page, "overdue"))
        resolved = stopped(
            "BP2W-1J63-2P5D", NOW - HOUR, resolution_due_at=NOW - 52 * HOUR, case_version=5,
            generation=2,
        )  # fmt: skip
        await system.store(resolved)
        await system.publish(deadline_set(resolved))
        # Playwright's own polling (no eval: the page's policy forbids it, rightly).
        overdue = page.locator('[data-field="overdue"]')
        await expect(overdue).to_have_text(str(before - 1), timeout=30_000)
        assert await page.evaluate("window.notReloaded === true")
        await assert_page_matches(page, (await http.get("/v1/ops/summary")).json())
        assert (
            "BP2W-1J63-2P5D" not in await page.locator('[data-table="oldest_overdue"]').inner_text()
        )
        await page.screenshot(path=str(ARTIFACTS / "system-laptop-refreshed.png"), full_page=True)
        assert problems == [], problems
    with capsys.disabled():
        print(f"\n[ops dashboard] screenshots in {ARTIFACTS}")
