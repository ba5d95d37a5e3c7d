"""What every service opens at start-up and closes at shutdown, in one place.

`open_clients` is the composition root's shared part: the store client (indexes declared),
the producer handle, readiness checks. `consumer_for` wires the one consumer runtime with
the service's handlers; `run_worker` runs that consumer as its own process.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Literal

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from nigrani_shared.kafka.background import (
    BackgroundConsumer,
    RestartPolicy,
    run_until_signalled,
)
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
from nigrani_shared.logging import configure_logging
from nigrani_shared.settings import NigraniSettings
from nigrani_shared.store.client import (
    Document,
    IndexSpec,
    create_client,
    ensure_indexes,
    store_reachable,
)
from nigrani_shared.store.processed import EffectsAreIdempotent, MongoProcessedEvents
from nigrani_shared.web.health import Probe, ReadinessCheck

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


def run_worker(
    settings: NigraniSettings,
    indexes: Sequence[IndexSpec],
    build_consumer: Callable[[ServiceClients], BackgroundConsumer],
) -> None:
    """Entry point of a `python -m nigrani_<service>.worker` process."""
    configure_logging(settings.service_name, settings.log_level)

    async def main() -> None:
        async with open_clients(settings, indexes) as clients:
            consumer = build_consumer(clients)

            async def start() -> None:
                consumer.start()

            await run_until_signalled(start, consumer.stop)

    asyncio.run(main())
