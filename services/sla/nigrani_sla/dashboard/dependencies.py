"""The board provider the SLA app gives `dashboard_router`: the board its lifespan put in
`app.state.board_view`, or a 503 while the lifespan has not (yet) done so."""

from __future__ import annotations

from fastapi import HTTPException, Request

from nigrani_sla.dashboard.router import BoardView


async def app_board_view(request: Request) -> BoardView:
    view: BoardView | None = getattr(request.app.state, "board_view", None)
    if view is None:
        raise HTTPException(503, "the ops board is not loaded yet")
    return view
