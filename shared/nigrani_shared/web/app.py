"""The pieces every service's FastAPI app gets, so each `create_app` stays short."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI
from prometheus_client import disable_created_metrics

from nigrani_shared.web import health
from nigrani_shared.web.errors import install_error_handlers
from nigrani_shared.web.health import ReadinessCheck
from nigrani_shared.web.limits import HttpLimits
from nigrani_shared.web.middleware import BodySizeLimitMiddleware, RequestIdMiddleware


def install_common(app: FastAPI, *, limits: HttpLimits | None = None) -> None:
    limits = limits or HttpLimits()
    # No `_created` series: a per-category counter's creation time would tell when the
    # first report of a category (a whistle-blower's, say) reached this process.
    disable_created_metrics()  # type: ignore[no-untyped-call]
    app.include_router(health.router)
    install_error_handlers(app)
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=limits.max_body_bytes,
        timeout_seconds=limits.body_timeout_seconds,
    )
    app.add_middleware(RequestIdMiddleware)


def set_readiness_checks(app: FastAPI, checks: Mapping[str, ReadinessCheck]) -> None:
    app.state.readiness_checks = dict(checks)
