"""The SLA service's writes forced into their dangerous orders, against the real broker
and store: a firing that dies after its claim or after Kafka's acknowledgement, two
replicas firing one timer at the same moment, and the clock keeper dying between the
clock and its timers. Nothing is lost; nothing is published under a second id."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from nigrani_shared.clock import utc_now
from nigrani_shared.events import EventEnvelope, SlaBreached, derived_event_id, new_event
from nigrani_shared.kafka.producer_handle import ProducerHandle
from nigrani_shared.kafka.topics import ensure_topics
from nigrani_shared.timer_wheel import TimerWheel
from nigrani_sla.keeper import ClockKeeper
from nigrani_sla.main import load_rules
from nigrani_sla.outbox import SlaOutbox
from nigrani_sla.repository import TIMERS, SlaRepository
from pymongo import AsyncMongoClient

from tests.support.infra import Infra
from tests.support.kafka import events_on_topic
from tests.support.sla import sla_settings, submitted, write_policies

pytestmark = pytest.mark.integration

Document = dict[str, Any]
GRACE = timedelta(seconds=0)  # the relay takes over at once: the writer is dead


class Died(Exception):
    """The process ends here."""


@dataclass
class Parts:
    repository: SlaRepository
    producer: ProducerHandle
    topic: str
    bootstrap: str
    db: Any

    def outbox(self) -> SlaOutbox:
        return SlaOutbox(self.repository, self.producer, self.topic, lambda _: None)

    async def records(self, event_id: str) -> int:
        events = await events_on_topic(self.bootstrap, self.topic)
        return sum(1 for event in events if event["id"] == event_id)


@pytest.fixture
async def parts(infra: Infra, tmp_path: Path) -> AsyncIterator[Parts]:
    settings = sla_settings(infra, f"t{uuid.uuid4().hex[:10]}", write_policies(tmp_path))
    await ensure_topics(
        infra.kafka_bootstrap_servers, [settings.lifecycle_topic], settings.topic_layout
    )
    mongo: AsyncMongoClient[Document] = AsyncMongoClient(infra.mongodb_uri, tz_aware=True)
    producer = ProducerHandle(infra.kafka_bootstrap_servers, client_id="test-sla-outbox")
    try:
        db = mongo[settings.database_name]
        yield Parts(
            SlaRepository(db), producer, settings.lifecycle_topic, infra.kafka_bootstrap_servers, db
        )
    finally:
        await producer.close()
        await mongo.close()


def breach(code: str) -> EventEnvelope:
    data = SlaBreached(
        request_id=code,
        target="resolution",
        due_at=utc_now(),
        department_code="CW-ROADS",
        category="roads.pothole",
        priority="normal",
        fired_at=utc_now(),
    )
    event_id = derived_event_id(code, "sla", "breached", "resolution", "0")
    return new_event(data, subject=code, source="/test", event_id=event_id)


def dies_at(point: str) -> Any:
    async def hook(reached: str) -> None:
        if reached == point:
            raise Died(point)

    return hook


async def test_a_firing_that_dies_after_its_claim_is_published_by_the_relay_once(
    parts: Parts,
) -> None:
    event = breach("OUTBOX-CLAIMED")
    dying = parts.outbox()
    dying.between_writes = dies_at("claimed")
    with pytest.raises(Died):
        await dying.fire_once(event)
    again = parts.outbox()
    assert await again.fire_once(event) is False  # the claim stands: the relay's to finish
    assert await parts.records(event.id) == 0
    assert await again.relay_round(GRACE) == 1
    assert await again.fire_once(event) is False  # fired now
    assert await again.relay_round(GRACE) == 0
    assert await parts.records(event.id) == 1


async def test_a_firing_that_dies_after_kafka_acknowledged_is_not_decided_again(
    parts: Parts,
) -> None:
    event = breach("OUTBOX-PUBLISHED")
    dying = parts.outbox()
    dying.between_writes = dies_at("published")
    with pytest.raises(Died):
        await dying.fire_once(event)
    again = parts.outbox()
    assert await again.fire_once(event) is False
    await again.relay_round(GRACE)  # may publish it again: the same id, never a new one
    assert await again.fire_once(event) is False
    assert await parts.repository.was_fired(event.id)
    assert 1 <= await parts.records(event.id) <= 2


async def test_two_replicas_firing_one_timer_at_once_publish_it_once(parts: Parts) -> None:
    event = breach("OUTBOX-PAIR")
    first, second = parts.outbox(), parts.outbox()
    claimed, go_on = asyncio.Event(), asyncio.Event()

    async def pause_after_claim(point: str) -> None:
        if point == "claimed":
            claimed.set()
            await go_on.wait()

    first.between_writes = pause_after_claim
    held = asyncio.create_task(first.fire_once(event))
    await claimed.wait()
    assert await second.fire_once(event) is False  # the first holds the claim
    go_on.set()
    assert await held is True
    assert await second.fire_once(event) is False  # and now it is fired
    assert await parts.records(event.id) == 1


async def test_a_keeper_that_dies_between_the_clock_and_its_timers_is_healed_by_redelivery(
    parts: Parts, tmp_path: Path, infra: Infra
) -> None:
    settings = sla_settings(infra, "unused", write_policies(tmp_path / "p", resolution="1 hours"))
    wheel = TimerWheel(parts.db[TIMERS], "sla")
    keeper = ClockKeeper(parts.repository, wheel, parts.outbox(), load_rules(settings))
    plan = wheel.schedule_many
    dead = [True]

    async def dies_once(timers: Any) -> None:
        if dead.pop() if dead else False:
            raise Died("planning")
        await plan(timers)

    wheel.schedule_many = dies_once  # type: ignore[method-assign]
    event = submitted("KEEPER-HEAL", at=utc_now())
    with pytest.raises(Died):
        await keeper.submitted(event.data)  # type: ignore[arg-type]
    clock = await parts.repository.clock("KEEPER-HEAL")
    assert clock is not None  # the clock was written; its timers and announcement were not
    await keeper.submitted(event.data)  # type: ignore[arg-type]  # the redelivery
    fired: list[str] = []

    async def record(timers: Any) -> None:
        fired.extend(timer.key for timer in timers)

    await TimerWheel(parts.db[TIMERS], "sla").sweep(record, now=utc_now() + timedelta(hours=2))
    assert Counter(key.split("/")[1] for key in set(fired)) == {
        "warning": 2,
        "breached": 2,
        "escalated": 3,
    }
    deadline_id = derived_event_id("KEEPER-HEAL", "sla.deadline_set", "1")
    assert await parts.records(deadline_id) >= 1
