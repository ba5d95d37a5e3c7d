"""Routing's app factory and lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from nigrani_shared.auth.dependencies import set_token_verifier
from nigrani_shared.auth.verifier import TokenVerifier
from nigrani_shared.service import embed_consumer, open_clients
from nigrani_shared.web.app import install_common, set_readiness_checks
from nigrani_shared.web.health import Probe

from nigrani_routing.cases.repository import INDEXES
from nigrani_routing.composition import build_parts, start_loops, start_queue_feed, windows_of
from nigrani_routing.config import RoutingSettings
from nigrani_routing.router import router
from nigrani_routing.rules.loader import load_rules
from nigrani_routing.staff.router import router as staff_router
from nigrani_routing.staff.service import StaffDesk
from nigrani_routing.worker import build_consumer


def create_app(settings: RoutingSettings) -> FastAPI:
    rules = load_rules(settings.rules_path)
    verifier = TokenVerifier.from_settings(settings)  # unusable keys stop start-up here

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            clients = await stack.enter_async_context(open_clients(settings, INDEXES))
            parts = build_parts(clients, lambda: rules, windows_of(settings))
            app.state.staff_desk = StaffDesk(
                parts.cases, parts.ledger, parts.repository, parts.queue, lambda: rules
            )
            checks = dict(clients.readiness_checks())
            feed = start_queue_feed(stack, clients, parts)

            async def queue_synced() -> bool:
                return feed.ready()

            async def alive() -> bool:
                return True

            checks["queue"] = Probe(ready=queue_synced, alive=alive)
            start_loops(stack, parts)
            if settings.embedded_worker:
                checks.update(embed_consumer(stack, build_consumer(clients, parts.cases)))
            set_readiness_checks(app, checks)
            yield

    app = FastAPI(title="Nigrani routing", version="1", lifespan=lifespan)
    app.state.rules = rules
    set_token_verifier(app, verifier)
    install_common(app)
    app.include_router(router)
    app.include_router(staff_router)
    return app
