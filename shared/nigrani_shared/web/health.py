"""/healthz (the process is alive), /readyz (Kafka, the store and the consumer are up),
/metrics.

A readiness check is an async callable. A `Probe` is a readiness check that can also fail
liveness: a component that can heal itself (a consumer loop restarted after a crash) makes
/readyz fail while it is down, and /healthz fail only once it looks unrecoverable, so the
orchestrator restarts the process. An outage of Kafka or the store never fails /healthz:
restarting the process would not bring them back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

ReadinessCheck = Callable[[], Awaitable[bool]]
READINESS_TIMEOUT_SECONDS = 5.0

router = APIRouter(tags=["operations"])


@dataclass(frozen=True)
class Probe:
    """A readiness check (`ready`) with a liveness check (`alive`) beside it."""

    ready: ReadinessCheck
    alive: ReadinessCheck

    async def __call__(self) -> bool:
        return await self.ready()


def _checks(request: Request) -> Mapping[str, ReadinessCheck]:
    checks: Mapping[str, ReadinessCheck] = getattr(request.app.state, "readiness_checks", {})
    return checks


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    liveness = {name: c.alive for name, c in _checks(request).items() if isinstance(c, Probe)}
    report = await _run(liveness)
    if all(report.values()):
        return JSONResponse({"status": "ok"})
    return JSONResponse({"status": "unhealthy", "checks": report}, status_code=503)


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    report = await _run(_checks(request))
    ready = all(report.values())
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": report},
        status_code=200 if ready else 503,
    )


@router.get("/metrics")
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def _run(checks: Mapping[str, ReadinessCheck]) -> dict[str, bool]:
    results = await asyncio.gather(*(_bounded(check) for check in checks.values()))
    return dict(zip(checks, results, strict=True))


async def _bounded(check: ReadinessCheck) -> bool:
    try:
        return await asyncio.wait_for(check(), READINESS_TIMEOUT_SECONDS)
    except Exception:
        return False
