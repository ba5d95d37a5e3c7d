"""The pieces every service's FastAPI app gets, so each `create_app` stays short."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI

from nigrani_shared.web import health
from nigrani_shared.web.errors import install_error_handlers
from nigrani_shared.web.health import ReadinessCheck
from nigrani_shared.web.middleware import BodySizeLimitMiddleware, RequestIdMiddleware

DEFAULT_MAX_BODY_BYTES = 64 * 1024


def install_common(app: FastAPI, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
    app.include_router(health.router)
    install_error_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=max_body_bytes)
    app.add_middleware(RequestIdMiddleware)


def set_readiness_checks(app: FastAPI, checks: Mapping[str, ReadinessCheck]) -> None:
    app.state.readiness_checks = dict(checks)
