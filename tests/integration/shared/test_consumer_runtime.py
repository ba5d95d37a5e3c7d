"""The shared consumer runtime on the real broker: bounded retries then the dead-letter
topic and back by the replay command, duplicate events skipped, and a restart that resumes
after the commit."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from nigrani_shared.events import EventEnvelope, RequestRouted
from nigrani_shared.kafka.background import BackgroundConsumer
from nigrani_shared.kafka.producer_handle import ProducerHandle
from nigrani_shared.kafka.replay import replay_dead_letters
from nigrani_shared.kafka.retry import Backoff
from nigrani_shared.kafka.runtime import ConsumerConfig, ConsumerRuntime, Handler
from nigrani_shared.settings import NigraniSettings
from nigrani_shared.store.processed import MongoProcessedEvents
from pymongo import AsyncMongoClient

from tests.support.events import routed
from tests.support.infra import Infra
from tests.support.kafka import read_topic, send_events
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


GROUP = "runtime-test"


def _settings(infra: Infra, name: str) -> NigraniSettings:
    return NigraniSettings(
        kafka_bootstrap_servers=infra.kafka_bootstrap_servers,
        mongodb_uri=infra.mongodb_uri,
        topic_prefix=name,
    )


@asynccontextmanager
async def _runtime(
    infra: Infra, *, name: str, handler: Handler, max_attempts: int = 3
) -> AsyncIterator[ConsumerConfig]:
    settings = _settings(infra, name)
    config = ConsumerConfig(
        group_id=GROUP,
        topics=(settings.lifecycle_topic,),
        dead_letter_topic=settings.dead_letter_topic(GROUP),
        max_attempts=max_attempts,
        backoff=Backoff(initial_seconds=0.01, max_seconds=0.05),
    )
    mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(infra.mongodb_uri)
    producer = ProducerHandle(infra.kafka_bootstrap_servers, client_id=name)
    runtime = ConsumerRuntime(
        config=config,
        handlers={RequestRouted.event_type: handler},
        bootstrap_servers=infra.kafka_bootstrap_servers,
        producer=producer,
        processed=MongoProcessedEvents(mongo[f"{name}_db"]["processed_events"]),
    )
    consumer = BackgroundConsumer(
        runtime,
        bootstrap_servers=infra.kafka_bootstrap_servers,
        topics=[*config.topics, config.dead_letter_topic],
    )
    consumer.start()
    try:
        yield config
    finally:
        await consumer.stop()
        await producer.close()
        await mongo.close()


async def test_a_failing_handler_is_retried_a_bounded_number_of_times_then_dead_lettered(
    infra: Infra,
) -> None:
    name = f"rt{uuid.uuid4().hex[:8]}"
    calls: Counter[str] = Counter()

    async def handler(envelope: EventEnvelope) -> None:
        calls[envelope.subject] += 1
        if envelope.subject == "POISON":
            raise ValueError("this event can never be applied")

    async with _runtime(infra, name=name, handler=handler, max_attempts=3) as config:
        await send_events(
            infra.kafka_bootstrap_servers,
            config.topics[0],
            [routed("POISON"), routed("FINE-AFTER")],
        )

        async def fine_handled() -> bool:
            return calls["FINE-AFTER"] == 1

        await eventually(fine_handled, within=60, what="the good event after the poison one")
        records = await read_topic(
            infra.kafka_bootstrap_servers, config.dead_letter_topic, expect=1
        )

    assert calls["POISON"] == 3
    assert len(records) == 1
    headers = {key: value.decode() for key, value in records[0].headers}
    assert headers["nigrani-dlq-attempts"] == "3"
    assert headers["nigrani-dlq-error"].startswith("ValueError: this event can never be applied")
    assert headers["ce_type"] == RequestRouted.event_type  # original headers are kept


async def test_a_duplicate_event_is_skipped_and_a_restart_resumes_after_the_commit(
    infra: Infra,
) -> None:
    name = f"rt{uuid.uuid4().hex[:8]}"
    calls: Counter[str] = Counter()

    async def handler(envelope: EventEnvelope) -> None:
        calls[envelope.id] += 1

    first, second = routed("AAAA-0000-0001"), routed("AAAA-0000-0002")
    async with _runtime(infra, name=name, handler=handler) as config:
        await send_events(infra.kafka_bootstrap_servers, config.topics[0], [first, first, second])

        async def both_handled() -> bool:
            return calls[second.id] == 1

        await eventually(both_handled, within=60, what="events handled")
    assert calls[first.id] == 1  # the second copy was recognised and skipped

    # A new runtime in the same group starts after the committed offsets: nothing replays.
    async with _runtime(infra, name=name, handler=handler) as config:
        third = routed("AAAA-0000-0003")
        await send_events(infra.kafka_bootstrap_servers, config.topics[0], [third])

        async def third_handled() -> bool:
            return calls[third.id] == 1

        await eventually(third_handled, within=60, what="event after restart handled")
    assert calls == Counter({first.id: 1, second.id: 1, third.id: 1})


async def test_dead_letters_replayed_after_a_fix_are_applied_once(infra: Infra) -> None:
    name = f"rt{uuid.uuid4().hex[:8]}"
    applied: Counter[str] = Counter()
    broken = True

    async def handler(envelope: EventEnvelope) -> None:
        if broken:
            raise LookupError("department table not loaded yet")
        applied[envelope.subject] += 1

    event = routed("FIXD-LATE-R001")
    async with _runtime(infra, name=name, handler=handler, max_attempts=2) as config:
        await send_events(infra.kafka_bootstrap_servers, config.topics[0], [event])
        dead = await read_topic(infra.kafka_bootstrap_servers, config.dead_letter_topic, expect=1)
        assert len(dead) == 1
        broken = False

        result = await replay_dead_letters(_settings(infra, name), GROUP)
        assert (result.replayed, result.skipped) == (1, 0)

        async def applied_once() -> bool:
            return applied[event.subject] == 1

        await eventually(applied_once, within=60, what="replayed event applied")
        again = await replay_dead_letters(_settings(infra, name), GROUP)
        assert again.replayed == 0  # the replay group committed what it sent
    assert applied == Counter({event.subject: 1})
