"""Runs a service's app with uvicorn, logging through our JSON formatter."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from nigrani_shared.logging import configure_logging
from nigrani_shared.settings import NigraniSettings

GRACEFUL_SHUTDOWN_SECONDS = 20


def serve(app: FastAPI, settings: NigraniSettings) -> None:
    """Blocks until SIGTERM/SIGINT; uvicorn then runs the lifespan's shutdown (consumers
    finish their batch and commit, the relay finishes its round, clients close)."""
    configure_logging(settings.service_name, settings.log_level)
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
