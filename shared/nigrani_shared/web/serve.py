"""Runs a service's app with uvicorn, logging through our JSON formatter."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from nigrani_shared.logging import configure_logging
from nigrani_shared.settings import NigraniSettings
from nigrani_shared.web.limits import HttpLimits, HttpLimitsSettings
from nigrani_shared.web.protocol import with_header_deadline

GRACEFUL_SHUTDOWN_SECONDS = 20


def serve(app: FastAPI, settings: NigraniSettings) -> None:
    """Blocks until SIGTERM/SIGINT; uvicorn then runs the lifespan's shutdown (consumers
    finish their batch and commit, the relay finishes its round, clients close).

    HTTP/1.1 is served by h11 with a header deadline (see protocol.py), never by httptools
    even when it is installed, so the deadline always applies."""
    configure_logging(settings.service_name, settings.log_level)
    limits = settings.http_limits if isinstance(settings, HttpLimitsSettings) else HttpLimits()
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        http=with_header_deadline(limits.header_timeout_seconds),
        # The client address is ours to decide (TRUSTED_PROXIES, web/client_address.py):
        # uvicorn must not rewrite it from X-Forwarded-For for loopback peers on its own.
        proxy_headers=False,
        # Paths hold tracking codes; the request id middleware and our logs say enough.
        access_log=False,
    )
