"""The ops routes: two pages and their JSON, plus the pages' own script and style.

The router is built around a provider (a FastAPI dependency returning the board and the
clock its figures are read at), so the app decides where the board lives and tests give
a fixed clock. Security headers: the pages may load nothing but this service's own files
(Content-Security-Policy), so a template change that reached for a CDN would fail in
every browser, not only in the test that looks for external URLs.

No `from __future__ import annotations` here: the routes' parameter types refer to the
provider given to `dashboard_router`, and FastAPI must see them as objects, not strings.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import FileResponse, HTMLResponse
from nigrani_shared.web.errors import ErrorBody

from nigrani_sla.board.projection import BoardProjection
from nigrani_sla.dashboard.pages import STATIC, Pages
from nigrani_sla.dashboard.schemas import OpsSummary, ops_summary

REFRESH_SECONDS = 5.0
UNKNOWN_DEPARTMENT = "no department with this code has requests on the board"
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
STATIC_FILES = {
    "board.js": "text/javascript",
    "board.css": "text/css",
    "favicon.svg": "image/svg+xml",
}


@dataclass(frozen=True)
class BoardView:
    """What the routes read: the board, and the moment its figures are computed for."""

    board: BoardProjection
    now: Callable[[], datetime]


BoardProvider = Callable[..., Any]  # a FastAPI dependency returning a BoardView


def dashboard_router(
    board_provider: BoardProvider, *, refresh_seconds: float = REFRESH_SECONDS
) -> APIRouter:
    router = APIRouter(tags=["ops"])
    View = Annotated[BoardView, Depends(board_provider)]
    pages: dict[str, Pages] = {}

    def summary_of(view: BoardView, department: str | None) -> OpsSummary | None:
        board = view.board
        if department is not None and not board.knows(department):
            return None
        return ops_summary(board.summary(view.now(), department), board.zone.key)

    def render(view: BoardView, summary: OpsSummary, data_url: str) -> HTMLResponse:
        zone = view.board.zone.key
        if zone not in pages:
            pages[zone] = Pages(view.board.zone, refresh_seconds)
        return HTMLResponse(pages[zone].board(summary, data_url=data_url), headers=PAGE_HEADERS)

    @router.get("/v1/ops/summary", response_model=OpsSummary)
    async def system_summary(view: View) -> OpsSummary:
        summary = summary_of(view, None)
        assert summary is not None
        return summary

    @router.get(
        "/v1/ops/departments/{code}",
        response_model=OpsSummary,
        responses={404: {"model": ErrorBody, "description": "No such department on the board."}},
    )
    async def department_summary(code: str, view: View) -> OpsSummary:
        summary = summary_of(view, code)
        if summary is None:
            raise HTTPException(404, UNKNOWN_DEPARTMENT)
        return summary

    @router.get("/ops/", response_class=HTMLResponse, include_in_schema=False)
    async def system_page(view: View) -> HTMLResponse:
        summary = summary_of(view, None)
        assert summary is not None
        return render(view, summary, "/v1/ops/summary")

    @router.get("/ops/departments/{code}", response_class=HTMLResponse, include_in_schema=False)
    async def department_page(code: str, view: View) -> HTMLResponse:
        summary = summary_of(view, code)
        if summary is None:
            page = Pages(view.board.zone, refresh_seconds).not_found(UNKNOWN_DEPARTMENT)
            return HTMLResponse(page, status_code=404, headers=PAGE_HEADERS)
        return render(view, summary, f"/v1/ops/departments/{quote(code, safe='')}")

    @router.get("/ops/static/{name}", include_in_schema=False)
    async def static_file(name: str) -> FileResponse:
        media_type = STATIC_FILES.get(name)
        if media_type is None:
            raise HTTPException(404, "Not Found")
        return FileResponse(
            STATIC / name,
            media_type=media_type,
            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
        )

    return router
