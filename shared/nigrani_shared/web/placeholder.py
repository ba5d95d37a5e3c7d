"""An app with only the operational endpoints, for a service whose business logic has not
landed yet (sla, notify): it still proves its store and broker are reachable."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from nigrani_shared.service import open_clients
from nigrani_shared.settings import NigraniSettings
from nigrani_shared.web.app import install_common, set_readiness_checks


def create_operational_app(settings: NigraniSettings, title: str) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_clients(settings, []) as clients:
            set_readiness_checks(app, clients.readiness_checks())
            yield

    app = FastAPI(title=title, version="1", lifespan=lifespan)
    install_common(app)
    return app
