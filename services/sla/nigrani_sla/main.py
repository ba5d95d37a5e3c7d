"""The SLA service's app factory and lifespan: one process keeps the clocks (the embedded
consumer), fires the timers (the sweep), relays what a dead writer left, and serves the
ops board. Several replicas may run: the consumer group splits the requests, every
replica sweeps every timer and the outbox's claims let one of them fire each."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from nigrani_shared.clock import utc_now
from nigrani_shared.kafka.background import BackgroundConsumer
from nigrani_shared.kafka.topology import SLA_GROUP
from nigrani_shared.service import ServiceClients, consumer_for, embed_consumer, open_clients
from nigrani_shared.web.app import install_common, set_readiness_checks
from nigrani_shared.web.health import Probe, ReadinessCheck

from nigrani_sla.board.feed import start_board_feed
from nigrani_sla.board.gauges import register_board_gauges
from nigrani_sla.board.projection import BoardProjection
from nigrani_sla.calendar.loader import load_calendars
from nigrani_sla.clock.transitions import Rules
from nigrani_sla.composition import SlaParts, build_parts, start_loops
from nigrani_sla.config import SlaSettings
from nigrani_sla.dashboard.dependencies import app_board_view
from nigrani_sla.dashboard.router import BoardView, dashboard_router
from nigrani_sla.handlers import build_handlers
from nigrani_sla.policies.loader import load_policies
from nigrani_sla.repository import INDEXES

GROUP_ID = SLA_GROUP
# A round at least this often, idle or not: how fresh the consumer's progress is, which
# bounds how late a timer fires (progress.py).
POLL_TIMEOUT_MS = 100


def load_rules(settings: SlaSettings) -> Rules:
    return Rules(
        calendars=load_calendars(settings.calendars_path, settings.closures_path),
        policies=load_policies(settings.policies_path),
    )


def build_consumer(clients: ServiceClients, parts: SlaParts) -> BackgroundConsumer:
    # "earliest": a new SLA group must time every request ever accepted (those already
    # overdue fire at once). "by_effect": clocks carry the case version they applied, so
    # a redelivery is recognised without a record of event ids.
    return consumer_for(
        clients,
        group_id=GROUP_ID,
        handlers=build_handlers(parts.keeper),
        start_from="earliest",
        dedupe="by_effect",
        on_progress=parts.progress.record,
        poll_timeout_ms=POLL_TIMEOUT_MS,
    )


def start_board(stack: AsyncExitStack, app: FastAPI, clients: ServiceClients) -> Probe:
    """The ops board: the stored clocks in memory, kept current from the lifecycle topic,
    behind the dashboard and the backlog gauges; ready once first loaded."""
    board = BoardProjection()
    reader = start_board_feed(stack, clients, board, consumer_group=GROUP_ID)
    register_board_gauges(stack, board)
    app.state.board_view = BoardView(board=board, now=utc_now)

    async def loaded() -> bool:
        return reader.ready()

    async def alive() -> bool:
        return True

    return Probe(ready=loaded, alive=alive)


def create_app(settings: SlaSettings) -> FastAPI:
    # Loaded here, not in the lifespan: a bad policy or calendar file stops start-up.
    rules = load_rules(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            clients = await stack.enter_async_context(open_clients(settings, INDEXES))
            parts = build_parts(clients, settings, rules)
            app.state.sla_parts = parts
            checks: dict[str, ReadinessCheck] = dict(clients.readiness_checks())
            checks["board"] = start_board(stack, app, clients)
            start_loops(stack, parts, settings)
            if settings.embedded_worker:
                checks.update(embed_consumer(stack, build_consumer(clients, parts)))
            set_readiness_checks(app, checks)
            yield

    app = FastAPI(title="Nigrani SLA", version="1", lifespan=lifespan)
    install_common(app)
    app.include_router(dashboard_router(app_board_view))
    return app
