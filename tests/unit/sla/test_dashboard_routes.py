"""The ops routes on a board built in memory: the JSON's figures, the 404 of an unknown
department in the project's error format, pages that show the same numbers, escape what
they show, and load nothing from anywhere but this service."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from html.parser import HTMLParser

import httpx
import pytest
from fastapi import FastAPI
from nigrani_shared.web.app import install_common
from nigrani_sla.board.projection import BoardProjection
from nigrani_sla.dashboard.pages import STATIC, duration_text, percent_text
from nigrani_sla.dashboard.router import BoardView, dashboard_router

from tests.support.sla_clocks import NOW, clock, stopped

HOUR = timedelta(hours=1)
SVG_NAMESPACE = "http://www.w3.org/2000/svg"


def _board() -> BoardProjection:
    board = BoardProjection()
    for record in (
        clock("BP2W-1J63-2P5D", resolution_due_at=NOW - 30 * HOUR, escalation_level=1),
        clock("C7QX-99AA-0K1M", resolution_due_at=NOW - 2 * HOUR, last_staff_action_at=NOW),
        clock("D1", resolution_due_at=NOW + HOUR, running_since=None),
        stopped("E1", NOW - HOUR, submitted_at=NOW - 5 * HOUR, resolution_due_at=NOW),
        clock("U1", department_code=None, resolution_due_at=None),
        clock("X1", department_code="<b>A&B</b>"),
    ):
        board.apply(record)
    return board


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    view = BoardView(board=_board(), now=lambda: NOW)

    def provider() -> BoardView:
        return view

    app = FastAPI()
    install_common(app)
    app.include_router(dashboard_router(provider))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sla") as http:
        yield http


async def test_the_system_json_has_every_figure(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/ops/summary")
    assert response.status_code == 200
    body = response.json()
    assert (body["scope"], body["department"], body["time_zone"]) == (
        "system",
        None,
        "Asia/Karachi",
    )
    assert (body["open"], body["overdue"], body["paused"], body["breaches_today"]) == (5, 2, 1, 1)
    assert body["compliance"] == {"stopped": 1, "on_time": 1, "without_target": 0, "ratio": 1.0}
    assert body["time_to_resolve"]["median_seconds"] == 4 * 3600
    assert [c["request_id"] for c in body["oldest_overdue"]] == ["BP2W-1J63-2P5D", "C7QX-99AA-0K1M"]
    assert body["oldest_overdue"][0] == {
        "request_id": "BP2W-1J63-2P5D",
        "department": "WASA-LHR",
        "due_at": "2026-11-18T22:00:00Z",
        "overdue_seconds": 30 * 3600.0,
    }
    assert body["escalations"] == [{"level": 1, "open": 1}]
    assert body["last_staff_action_at"] == "2026-11-20T04:00:00Z"
    assert len(body["trend"]) == 30
    assert body["trend"][-1]["day"] == "2026-11-20"
    assert [d["department"] for d in body["departments"]] == ["<b>A&B</b>", "WASA-LHR", "unrouted"]
    assert (body["today"], body["month_start"]) == ("2026-11-20", "2026-11-01")


async def test_a_department_json_and_an_unknown_departments_404(
    client: httpx.AsyncClient,
) -> None:
    wasa = (await client.get("/v1/ops/departments/WASA-LHR")).json()
    assert (wasa["scope"], wasa["department"], wasa["open"], wasa["overdue"]) == (
        "department",
        "WASA-LHR",
        3,
        2,
    )
    assert wasa["departments"] == []
    assert (await client.get("/v1/ops/departments/unrouted")).json()["open"] == 1
    missing = await client.get("/v1/ops/departments/NOPE")
    assert missing.status_code == 404
    assert missing.json() == {
        "detail": "no department with this code has requests on the board",
        "errors": [],
    }


class _Links(HTMLParser):
    """Every address an HTML document refers to."""

    def __init__(self) -> None:
        super().__init__()
        self.addresses: list[str] = []
        self.lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "action", "data-url", "poster", "srcset") and value:
                self.addresses.append(value)
            if tag == "html" and name == "lang":
                self.lang = value


def _external(address: str) -> bool:
    return bool(re.match(r"^\s*([a-z][a-z0-9+.-]*:|//)", address, re.IGNORECASE))


@pytest.mark.parametrize("path", ["/ops/", "/ops/departments/WASA-LHR", "/ops/departments/NOPE"])
async def test_the_pages_refer_to_nothing_outside_the_service(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy
    links = _Links()
    links.feed(response.text)
    assert links.lang == "en"
    assert links.addresses
    assert [a for a in links.addresses if _external(a)] == []
    assert "url(" not in response.text
    for address in links.addresses:
        if address.startswith("/ops/static/"):
            asset = await client.get(address)
            assert asset.status_code == 200, address


def test_the_static_files_fetch_nothing_from_elsewhere() -> None:
    for path in STATIC.iterdir():
        text = path.read_text(encoding="utf-8").replace(SVG_NAMESPACE, "")
        assert re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.IGNORECASE) == [], path
        assert "@import" not in text
        assert "url(" not in text


async def test_the_pages_show_the_json_numbers_and_escape_what_they_show(
    client: httpx.AsyncClient,
) -> None:
    page = (await client.get("/ops/")).text
    body = (await client.get("/v1/ops/summary")).json()
    for field in ("open", "overdue", "paused", "breaches_today"):
        assert re.search(rf'data-field="{field}">{body[field]}<', page), field
    assert percent_text(1.0) in page
    assert duration_text(30 * 3600) in page  # "1 d 6 h", the oldest overdue
    assert "BP2W-1J63-2P5D" in page
    assert "<b>A&B</b>" not in page
    assert "&lt;b&gt;A&amp;B&lt;/b&gt;" in page
    assert "/ops/departments/%3Cb%3EA%26B%3C/b%3E" in page
    assert "<h1>All departments</h1>" in page
    assert "<caption>" in page


async def test_an_unknown_department_page_is_a_404_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/ops/departments/NOPE")
    assert response.status_code == 404
    assert "Department not found" in response.text


async def test_only_the_pages_own_assets_are_served(client: httpx.AsyncClient) -> None:
    script = await client.get("/ops/static/board.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert (
        (await client.get("/ops/static/board.css")).headers["content-type"].startswith("text/css")
    )
    assert (await client.get("/ops/static/../pages.py")).status_code == 404
    assert (await client.get("/ops/static/board.html")).status_code == 404


def test_durations_and_shares_read_as_people_say_them() -> None:
    assert duration_text(None) == "\u2013"
    assert duration_text(59) == "0 min"
    assert duration_text(45 * 60) == "45 min"
    assert duration_text(3 * 3600 + 20 * 60 + 59) == "3 h 20 min"
    assert duration_text(4 * 86400 + 7 * 3600 + 59 * 60) == "4 d 7 h"
    assert duration_text(-5) == "0 min"
    assert percent_text(None) == "\u2013"
    assert percent_text(2 / 3) == "66.7 %"
