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
from nigrani_routing.rules.holder import RulesHolder, reload_on_sighup
from nigrani_routing.rules.router import router as rules_router
from nigrani_routing.staff.router import router as staff_router
from nigrani_routing.staff.service import StaffDesk
from nigrani_routing.worker import build_consumer


def create_app(settings: RoutingSettings) -> FastAPI:
    # Loaded here, not in the lifespan: a bad rules or areas file, or unusable staff-token
    # keys, stop start-up at once.
    holder = RulesHolder(settings.rules_path, settings.areas_path)
    verifier = TokenVerifier.from_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            stack.callback(reload_on_sighup(holder))
            clients = await stack.enter_async_context(open_clients(settings, INDEXES))
            parts = build_parts(clients, holder, windows_of(settings))
            app.state.staff_desk = StaffDesk(
                parts.cases, parts.ledger, parts.repository, parts.queue, holder
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
                checks.update(
                    embed_consumer(stack, build_consumer(clients, parts.cases, parts.due_times))
                )
            set_readiness_checks(app, checks)
            yield

    app = FastAPI(title="Nigrani routing", version="1", lifespan=lifespan)
    app.state.rules_holder = holder
    app.state.admin_api_token = (
        settings.admin_api_token.get_secret_value() if settings.admin_api_token else None
    )
    set_token_verifier(app, verifier)
    install_common(app)
    app.include_router(router)
    app.include_router(rules_router)
    app.include_router(staff_router)
    return app
