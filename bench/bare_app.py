"""`python -m bench.bare_app`: the ceiling for a GET, a FastAPI app returning a constant JSON.

Served by the same `serve()` as the services (same uvicorn, same options), so the public
status GET is compared with what FastAPI and uvicorn cost on this machine and nothing else.
The body has the size and shape of a routed request's public view.
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI
from nigrani_shared.settings import NigraniSettings
from nigrani_shared.web.serve import serve

PORT_VARIABLE = "BENCH_BARE_PORT"

VIEW: dict[str, Any] = {
    "tracking_code": "BP2W-1J63-2P5D",
    "status": "routed",
    "status_text": "Routed to Water and Sanitation Agency Lahore",
    "category": {"code": "water.no_supply", "name_en": "No water supply", "name_ur": "پانی نہیں"},
    "department": {"code": "WASA-LHR", "name": "Water and Sanitation Agency Lahore"},
    "district": "Lahore",
    "address": "Street 4",
    "submitted_at": "2026-01-01T10:00:00.123000Z",
    "timeline": [
        {"status": "submitted", "at": "2026-01-01T10:00:00.123000Z", "detail": "Submitted"},
        {
            "status": "routed",
            "at": "2026-01-01T10:00:00.161000Z",
            "detail": "Routed to Water and Sanitation Agency Lahore",
        },
    ],
}


def create_app() -> FastAPI:
    app = FastAPI(title="bare")

    @app.get("/v1/requests/{tracking_code}")
    async def view(tracking_code: str) -> dict[str, Any]:
        return VIEW

    return app


if __name__ == "__main__":
    settings = NigraniSettings(
        service_name="bench-bare", http_port=int(os.environ[PORT_VARIABLE]), log_level="WARNING"
    )
    serve(create_app(), settings)
