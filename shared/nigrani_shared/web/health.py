"""/healthz (the process is alive), /readyz (Kafka and the store answer), /metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

ReadinessCheck = Callable[[], Awaitable[bool]]
READINESS_TIMEOUT_SECONDS = 5.0

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    checks: Mapping[str, ReadinessCheck] = getattr(request.app.state, "readiness_checks", {})
    results = await asyncio.gather(*(_bounded(check) for check in checks.values()))
    report = dict(zip(checks, results, strict=True))
    ready = all(report.values())
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": report},
        status_code=200 if ready else 503,
    )


@router.get("/metrics")
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def _bounded(check: ReadinessCheck) -> bool:
    try:
        return await asyncio.wait_for(check(), READINESS_TIMEOUT_SECONDS)
    except Exception:
        return False
