"""Routing's app factory and lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from nigrani_shared.auth.dependencies import set_token_verifier
from nigrani_shared.auth.verifier import TokenVerifier
from nigrani_shared.service import embed_consumer, open_clients
from nigrani_shared.web.app import install_common, set_readiness_checks

from nigrani_routing.cases.repository import INDEXES
from nigrani_routing.config import RoutingSettings
from nigrani_routing.router import router
from nigrani_routing.rules.loader import load_rules
from nigrani_routing.worker import build_consumer


def create_app(settings: RoutingSettings) -> FastAPI:
    rules = load_rules(settings.rules_path)
    verifier = TokenVerifier.from_settings(settings)  # unusable keys stop start-up here

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            clients = await stack.enter_async_context(open_clients(settings, INDEXES))
            checks = dict(clients.readiness_checks())
            if settings.embedded_worker:
                checks.update(embed_consumer(stack, build_consumer(clients, rules)))
            set_readiness_checks(app, checks)
            yield

    app = FastAPI(title="Nigrani routing", version="1", lifespan=lifespan)
    app.state.rules = rules
    set_token_verifier(app, verifier)
    install_common(app)
    app.include_router(router)
    return app
