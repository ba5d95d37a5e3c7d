"""A real consumer runtime on the test broker, with knobs the tests turn."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

from nigrani_shared.events import RequestRouted
from nigrani_shared.kafka.background import BackgroundConsumer, RestartPolicy
from nigrani_shared.kafka.producer_handle import ProducerHandle
from nigrani_shared.kafka.retry import Backoff
from nigrani_shared.kafka.runtime import ConsumerConfig, ConsumerRuntime, Handler
from nigrani_shared.kafka.topics import TopicLayout
from nigrani_shared.settings import NigraniSettings
from nigrani_shared.store.processed import MongoProcessedEvents, ProcessedEvents
from prometheus_client import REGISTRY
from pymongo import AsyncMongoClient

from tests.support.infra import Infra

PARTITIONS = 3
LAYOUT = TopicLayout(partitions=PARTITIONS, replication_factor=1, min_insync_replicas=1)


@dataclass
class Running:
    config: ConsumerConfig
    consumer: BackgroundConsumer
    runtime: ConsumerRuntime
    settings: NigraniSettings

    @property
    def topic(self) -> str:
        return self.config.topics[0]


def new_name() -> str:
    return f"rt{uuid.uuid4().hex[:8]}"


def settings_for(infra: Infra, name: str) -> NigraniSettings:
    return NigraniSettings(
        environment="test",
        kafka_bootstrap_servers=infra.kafka_bootstrap_servers,
        mongodb_uri=infra.mongodb_uri,
        topic_prefix=name,
        kafka_replication_factor=1,
        kafka_min_insync_replicas=1,
    )


@asynccontextmanager
async def running_consumer(
    infra: Infra,
    *,
    name: str,
    handler: Handler,
    group: str = "runtime-test",
    event_types: tuple[str, ...] = (RequestRouted.event_type,),
    processed: ProcessedEvents | None = None,
    policy: RestartPolicy | None = None,
    **config: Any,
) -> AsyncIterator[Running]:
    settings = settings_for(infra, name)
    base = ConsumerConfig(
        group_id=group,
        topics=(settings.lifecycle_topic,),
        dead_letter_topic=settings.dead_letter_topic(group),
        start_from="earliest",
        max_attempts=3,
        backoff=Backoff(initial_seconds=0.01, max_seconds=0.05),
    )
    consumer_config = replace(base, **config)
    mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(infra.mongodb_uri)
    producer = ProducerHandle(infra.kafka_bootstrap_servers, client_id=name)
    runtime = ConsumerRuntime(
        config=consumer_config,
        handlers=dict.fromkeys(event_types, handler),
        bootstrap_servers=infra.kafka_bootstrap_servers,
        producer=producer,
        processed=processed or MongoProcessedEvents(mongo[f"{name}_db"]["processed_events"]),
    )
    consumer = BackgroundConsumer(
        runtime,
        bootstrap_servers=infra.kafka_bootstrap_servers,
        topics=[*consumer_config.topics, consumer_config.dead_letter_topic],
        layout=LAYOUT,
        policy=policy,
    )
    consumer.start()
    try:
        yield Running(consumer_config, consumer, runtime, settings)
    finally:
        await consumer.stop()
        await producer.close()
        await mongo.close()


def handled_count(group: str, outcome: str, event_type: str | None = None) -> float:
    total = 0.0
    for metric in REGISTRY.collect():
        if metric.name != "nigrani_events_handled":
            continue
        for sample in metric.samples:
            labels = sample.labels
            if (
                sample.name.endswith("_total")
                and labels["group"] == group
                and labels["outcome"] == outcome
                and (event_type is None or labels["event_type"] == event_type)
            ):
                total += sample.value
    return total
