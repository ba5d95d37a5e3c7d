"""An SLA app with the ops board wired the way nigrani_sla.main is to wire it (the README's
"Ops dashboard" section and the board's hand-over note), against the real broker and
store, with its own topic prefix and database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from nigrani_shared.clock import utc_now
from nigrani_shared.events import EventEnvelope
from nigrani_shared.kafka.broadcast import BroadcastReader
from nigrani_shared.kafka.topics import ensure_topics
from nigrani_shared.service import open_clients
from nigrani_shared.web.app import install_common, set_readiness_checks
from nigrani_shared.web.health import Probe
from nigrani_sla.board.feed import CLOCKS, FeedTiming, start_board_feed
from nigrani_sla.board.gauges import register_board_gauges
from nigrani_sla.board.projection import BoardProjection
from nigrani_sla.clock.record import ClockRecord
from nigrani_sla.config import SlaSettings
from nigrani_sla.dashboard.dependencies import app_board_view
from nigrani_sla.dashboard.router import BoardView, dashboard_router
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from tests.support.infra import Infra
from tests.support.kafka import send_events
from tests.support.waiting import eventually, holds

Document = dict[str, Any]
FAST = FeedTiming(tick_seconds=0.05, recheck_first_seconds=0.1, recheck_max_seconds=0.5)


def create_board_app(
    settings: SlaSettings,
    *,
    clock: Callable[[], datetime] = utc_now,
    timing: FeedTiming = FAST,
    refresh_seconds: float = 5.0,
) -> FastAPI:
    async def lifespan_board(app: FastAPI, stack: AsyncExitStack) -> BroadcastReader:
        clients = await stack.enter_async_context(open_clients(settings, []))
        board = BoardProjection()
        reader = start_board_feed(stack, clients, board, consumer_group="sla", timing=timing)
        register_board_gauges(stack, board, clock=clock)
        app.state.board_view = BoardView(board=board, now=clock)

        async def loaded() -> bool:
            return reader.ready()

        async def alive() -> bool:
            return True

        set_readiness_checks(
            app, {**clients.readiness_checks(), "board": Probe(ready=loaded, alive=alive)}
        )
        app.state.board_reader = reader
        return reader

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            await lifespan_board(app, stack)
            yield

    app = FastAPI(title="Nigrani sla (board)", version="1", lifespan=lifespan)
    install_common(app)
    app.include_router(dashboard_router(app_board_view, refresh_seconds=refresh_seconds))
    return app


@dataclass
class BoardSystem:
    app: FastAPI
    settings: SlaSettings
    mongo: AsyncMongoClient[Document]
    infra: Infra

    @property
    def clocks(self) -> AsyncCollection[Document]:
        return self.mongo[self.settings.database_name][CLOCKS]

    @property
    def board(self) -> BoardProjection:
        view: BoardView = self.app.state.board_view
        return view.board

    @property
    def reader(self) -> BroadcastReader:
        reader: BroadcastReader = self.app.state.board_reader
        return reader

    async def store(self, *records: ClockRecord) -> None:
        """Writes clocks as the SLA consumer does: one document per request, by `_id`."""
        for record in records:
            document = record.to_document()
            await self.clocks.replace_one({"_id": document["_id"]}, document, upsert=True)

    async def publish(self, *events: EventEnvelope) -> None:
        await send_events(
            self.infra.kafka_bootstrap_servers, self.settings.lifecycle_topic, list(events)
        )


def board_settings(infra: Infra, prefix: str | None = None) -> SlaSettings:
    prefix = prefix or f"t{uuid.uuid4().hex[:10]}"
    return SlaSettings(
        environment="test",
        kafka_bootstrap_servers=infra.kafka_bootstrap_servers,
        mongodb_uri=infra.mongodb_uri,
        topic_prefix=prefix,
        database_name=f"{prefix}_sla",
        kafka_replication_factor=1,
        kafka_min_insync_replicas=1,
    )


@asynccontextmanager
async def board_system(
    infra: Infra,
    *,
    seed: list[ClockRecord] | None = None,
    clock: Callable[[], datetime] = utc_now,
    refresh_seconds: float = 5.0,
) -> AsyncIterator[BoardSystem]:
    """Stores `seed`, then starts the app (so the board loads it) and waits for the load."""
    settings = board_settings(infra)
    await ensure_topics(
        infra.kafka_bootstrap_servers, [settings.lifecycle_topic], settings.topic_layout
    )
    async with AsyncExitStack() as stack:
        mongo: AsyncMongoClient[Document] = AsyncMongoClient(infra.mongodb_uri, tz_aware=True)
        stack.push_async_callback(mongo.close)
        app = create_board_app(settings, clock=clock, refresh_seconds=refresh_seconds)
        system = BoardSystem(app=app, settings=settings, mongo=mongo, infra=infra)
        await system.store(*(seed or []))
        await stack.enter_async_context(app.router.lifespan_context(app))
        await eventually(holds(system.reader.ready), within=60, what="the board loaded")
        yield system
