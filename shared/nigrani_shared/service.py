"""What every service opens at start-up and closes at shutdown, in one place.

`open_clients` is the composition root's shared part: the store client (indexes declared),
the producer handle, readiness checks. `consumer_for` wires the one consumer runtime with
the service's handlers; `run_worker` runs that consumer as its own process.

A worker process serves /healthz, /readyz and /metrics on its service's own host and port
(INTAKE_PORT for intake's worker, and so on), like the API: an orchestrator probes it and
Prometheus scrapes its consumer's lag and dead letters, which would otherwise exist in no
process anyone can reach once the consumer leaves the API. Its SIGTERM goes through the
same uvicorn shutdown as an API's: the consumer finishes its batch and commits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Literal

from fastapi import FastAPI
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from nigrani_shared.kafka.background import BackgroundConsumer, RestartPolicy
from nigrani_shared.kafka.producer_handle import ProducerHandle
from nigrani_shared.kafka.runtime import (
    ConsumerConfig,
    ConsumerRuntime,
    Handler,
    OnProgress,
    StartFrom,
)
from nigrani_shared.kafka.topics import kafka_reachable
from nigrani_shared.kafka.topology import topics_for_group
from nigrani_shared.settings import NigraniSettings
from nigrani_shared.store.client import (
    Document,
    IndexSpec,
    create_client,
    ensure_indexes,
    store_reachable,
)
from nigrani_shared.store.processed import EffectsAreIdempotent, MongoProcessedEvents
from nigrani_shared.web.app import install_common, set_readiness_checks
from nigrani_shared.web.health import Probe, ReadinessCheck
from nigrani_shared.web.serve import serve

logger = logging.getLogger(__name__)

PROCESSED_EVENTS_COLLECTION = "processed_events"
Dedupe = Literal["by_event_id", "by_effect"]


@dataclass(frozen=True)
class ServiceClients:
    settings: NigraniSettings
    mongo: AsyncMongoClient[Document]
    db: AsyncDatabase[Document]
    producer: ProducerHandle

    def readiness_checks(self) -> Mapping[str, ReadinessCheck]:
        return {
            "store": lambda: store_reachable(self.mongo),
            "kafka": lambda: kafka_reachable(self.settings.kafka_bootstrap_servers),
        }


@asynccontextmanager
async def open_clients(
    settings: NigraniSettings, indexes: Sequence[IndexSpec]
) -> AsyncIterator[ServiceClients]:
    mongo = create_client(settings.mongodb_uri, app_name=f"nigrani-{settings.service_name}")
    try:
        db = mongo[settings.database_name]
        await ensure_indexes(db, indexes)
        producer = ProducerHandle(
            settings.kafka_bootstrap_servers, client_id=f"nigrani-{settings.service_name}"
        )
        try:
            yield ServiceClients(settings=settings, mongo=mongo, db=db, producer=producer)
        finally:
            await producer.close()
    finally:
        await mongo.close()


def consumer_for(
    clients: ServiceClients,
    *,
    group_id: str,
    handlers: Mapping[str, Handler],
    start_from: StartFrom,
    dedupe: Dedupe,
    on_progress: OnProgress | None = None,
    poll_timeout_ms: int = 500,
) -> BackgroundConsumer:
    """The group's consumer. `start_from` is where a new group (no committed offsets)
    begins: "earliest" to rebuild from history, "latest" to act only on new events.
    `dedupe` is how a redelivery is recognised: "by_event_id" records every applied event
    id (two store round trips per event), "by_effect" trusts handlers whose effects are
    naturally idempotent and records nothing."""
    settings = clients.settings
    config = ConsumerConfig(
        group_id=group_id,
        topics=(settings.lifecycle_topic,),
        dead_letter_topic=settings.dead_letter_topic(group_id),
        start_from=start_from,
        handler_timeout_seconds=settings.consumer_handler_timeout_seconds,
        stop_grace_seconds=settings.consumer_stop_grace_seconds,
        close_timeout_seconds=settings.consumer_close_timeout_seconds,
        poll_timeout_ms=poll_timeout_ms,
    )
    checks = clients.readiness_checks()

    async def infrastructure_up() -> bool:
        return all(await asyncio.gather(*(check() for check in checks.values())))

    runtime = ConsumerRuntime(
        config=config,
        handlers=handlers,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        producer=clients.producer,
        processed=(
            MongoProcessedEvents(clients.db[PROCESSED_EVENTS_COLLECTION])
            if dedupe == "by_event_id"
            else EffectsAreIdempotent()
        ),
        infrastructure_up=infrastructure_up,
        on_progress=on_progress,
    )
    return BackgroundConsumer(
        runtime,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        topics=topics_for_group(settings, group_id),
        layout=settings.topic_layout,
        policy=RestartPolicy(
            max_restarts=settings.consumer_max_restarts,
            max_down_seconds=settings.consumer_max_down_seconds,
        ),
    )


def embed_consumer(
    stack: AsyncExitStack, consumer: BackgroundConsumer
) -> Mapping[str, ReadinessCheck]:
    """Runs a consumer inside the API process until the lifespan ends; returns its check
    for /readyz (down or not yet in its group) and /healthz (cannot recover)."""
    consumer.start()
    stack.push_async_callback(consumer.stop)
    return {"consumer": Probe(ready=consumer.ready, alive=consumer.alive)}


WorkerSetup = Callable[[AsyncExitStack, ServiceClients], Awaitable[BackgroundConsumer]]
"""Builds a worker's consumer (and starts whatever runs beside it on `stack`)."""


def create_worker_app(
    settings: NigraniSettings, indexes: Sequence[IndexSpec], setup: WorkerSetup
) -> FastAPI:
    """A worker as an app with only the operations routes: the consumer runs for the
    lifespan, and /readyz reports it with the store and Kafka."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            clients = await stack.enter_async_context(open_clients(settings, indexes))
            consumer = await setup(stack, clients)
            set_readiness_checks(
                app, {**clients.readiness_checks(), **embed_consumer(stack, consumer)}
            )
            logger.info("worker running")
            yield
            logger.info("worker stopping")
        logger.info("worker stopped")

    app = FastAPI(
        title=f"nigrani {settings.service_name} worker",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    install_common(app)
    return app


def run_worker(
    settings: NigraniSettings,
    indexes: Sequence[IndexSpec],
    build_consumer: Callable[[ServiceClients], BackgroundConsumer],
) -> None:
    """Entry point of a `python -m nigrani_<service>.worker` process whose consumer needs
    nothing beside it."""

    async def setup(_stack: AsyncExitStack, clients: ServiceClients) -> BackgroundConsumer:
        return build_consumer(clients)

    serve(create_worker_app(settings, indexes, setup), settings)
