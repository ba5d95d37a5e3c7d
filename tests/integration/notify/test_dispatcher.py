"""The dispatcher against the real store and broker, with a gateway written in the test
that honours idempotency keys the way the SMS gateways and webhook receivers we talk to
do: retries come from durable timers, a sender that dies after the gateway accepted is
followed by its watchdog under the same key, two replicas send each delivery once, and
every end is announced once (notification.sent / notification.failed)."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from nigrani_notify.addressing import Address, AddressBook
from nigrani_notify.composition import build_dispatcher
from nigrani_notify.config import NotifySettings
from nigrani_notify.contacts import ContactBook, IntakeContacts
from nigrani_notify.deliveries import Delivery
from nigrani_notify.dispatcher import Dispatcher
from nigrani_notify.messages import Language, SendResult, delivery_key
from nigrani_notify.repository import CONTACTS
from nigrani_shared.clock import utc_now
from nigrani_shared.kafka.producer_handle import ProducerHandle
from nigrani_shared.kafka.topics import ensure_topics
from pymongo import AsyncMongoClient

from tests.support.infra import Infra
from tests.support.kafka import events_on_topic
from tests.support.notify import notify_settings, sweeping
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

Document = dict[str, Any]


class Died(Exception):
    """The process ends here."""


@dataclass(frozen=True)
class Person:
    staff_id: str
    email: str | None = None
    phone: str | None = None
    language: Language = "en"


class Directory:
    def staff(self, staff_id: str) -> Person | None:
        return Person(staff_id, email=f"{staff_id}@example.gov.pk")

    def holding_role(self, department_code: str, role: str) -> list[Person]:
        return []

    def time_zone(self, department_code: str | None) -> ZoneInfo:
        return ZoneInfo("Asia/Karachi")


class NoSubscriptions:
    async def get(self, subscription_id: str) -> None:
        return None

    async def matching(self, event_type: str) -> list[Any]:
        return []


@dataclass
class Gateway:
    """Accepts each idempotency key once; `script` answers the next calls."""

    script: list[SendResult] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    accepted: Counter[str] = field(default_factory=Counter)
    replayed: Counter[str] = field(default_factory=Counter)

    async def transmit(self, delivery: Delivery, address: Address) -> SendResult:
        self.calls.append(delivery.key)
        result = self.script.pop(0) if self.script else SendResult.sent()
        if result.outcome.value == "sent":
            seen = self.accepted if delivery.key not in self.accepted else self.replayed
            seen[delivery.key] += 1
        return result


@dataclass
class Rig:
    settings: NotifySettings
    db: Any
    producer: ProducerHandle
    gateway: Gateway

    def dispatcher(self) -> Dispatcher:
        intake = httpx.AsyncClient(base_url="http://127.0.0.1:9")  # never asked: staff only
        addresses = AddressBook(
            ContactBook(self.db[CONTACTS], IntakeContacts(intake, None)),
            Directory(),
            NoSubscriptions(),
        )
        return build_dispatcher(
            self.db,
            self.producer,
            self.settings,
            addresses,
            {"email": self.gateway.transmit},
            lambda _delivery, at: at,
        )

    async def announced(self, at_least: int = 1) -> list[dict[str, Any]]:
        """The notification events on the topic, once there are `at_least` of them (an
        outcome is recorded a moment before it is published)."""

        async def read() -> list[dict[str, Any]]:
            events = await events_on_topic(
                self.settings.kafka_bootstrap_servers, self.settings.lifecycle_topic
            )
            notifications = [e for e in events if e["type"].startswith("org.nigrani.notification")]
            return notifications if len(notifications) >= at_least else []

        return await eventually(read, within=15) if at_least else await read()


@pytest.fixture
async def rig(infra: Infra) -> AsyncIterator[Rig]:
    settings = notify_settings(infra, f"t{uuid.uuid4().hex[:10]}", retry_attempts=4)
    await ensure_topics(
        infra.kafka_bootstrap_servers, [settings.lifecycle_topic], settings.topic_layout
    )
    mongo: AsyncMongoClient[Document] = AsyncMongoClient(infra.mongodb_uri, tz_aware=True)
    producer = ProducerHandle(infra.kafka_bootstrap_servers, client_id="test-notify-dispatch")
    try:
        yield Rig(settings, mongo[settings.database_name], producer, Gateway())
    finally:
        await producer.close()
        await mongo.close()


def delivery(code: str, staff_id: str = "officer-1") -> Delivery:
    event_id = f"event-{code}"
    recipient = f"staff:{staff_id}"
    return Delivery(
        key=delivery_key(event_id, "email", recipient),
        event_id=event_id,
        event_type="org.nigrani.sla.warning.v1",
        request_id=code,
        kind="staff_sla_warning",
        channel="email",
        audience="staff",
        recipient=recipient,
        department_code="WASA",
        event_time=utc_now(),
        context={"tracking_code": code},
    )


def dies_once_at(point: str) -> Callable[[str, Delivery], Awaitable[None]]:
    died: list[str] = []

    async def hook(reached: str, _delivery: Delivery) -> None:
        if reached == point and not died:
            died.append(point)
            raise Died(point)

    return hook


async def settled(dispatcher: Dispatcher, key: str) -> str | None:
    outcome = await dispatcher.store.outcome(key)
    return None if outcome is None else outcome.settled


async def settled_as(dispatcher: Dispatcher, key: str, expected: str) -> bool:
    return await settled(dispatcher, key) == expected


async def test_a_gateway_failing_twice_then_accepting_gives_one_message_and_one_event(
    rig: Rig,
) -> None:
    rig.gateway.script = [SendResult.transient("http_503"), SendResult.transient("timeout")]
    dispatcher = rig.dispatcher()
    owed = delivery("NGR-RETRY")
    await dispatcher.enqueue([owed])
    async with sweeping(dispatcher):
        await eventually(lambda: settled_as(dispatcher, owed.key, "sent"), within=20)
        (event,) = await rig.announced()
    assert rig.gateway.calls == [owed.key] * 3
    assert rig.gateway.accepted[owed.key] == 1
    outcome = await dispatcher.store.outcome(owed.key)
    assert outcome is not None
    assert outcome.attempts == 3
    assert event["type"] == "org.nigrani.notification.sent.v1"
    assert event["data"]["attempts"] == 3
    assert event["data"]["recipient"] == "staff:officer-1"
    assert "example.gov.pk" not in str(event)  # a reference, never the address


async def test_a_permanent_refusal_is_announced_as_failed_and_never_tried_again(rig: Rig) -> None:
    rig.gateway.script = [SendResult.permanent("http_400")]
    dispatcher = rig.dispatcher()
    owed = delivery("NGR-PERMANENT")
    await dispatcher.enqueue([owed])
    async with sweeping(dispatcher):
        await eventually(lambda: settled_as(dispatcher, owed.key, "failed"), within=20)
        await _quiet(seconds=4)  # past the lease: the watchdog must find the result
    assert rig.gateway.calls == [owed.key]
    (event,) = await rig.announced()
    assert event["type"] == "org.nigrani.notification.failed.v1"
    assert event["data"]["reason"] == "http_400"


async def test_retries_stop_at_the_limit_with_a_failure(rig: Rig) -> None:
    rig.gateway.script = [SendResult.transient("http_503")] * 10
    dispatcher = rig.dispatcher()
    owed = delivery("NGR-EXHAUSTED")
    await dispatcher.enqueue([owed])
    async with sweeping(dispatcher):
        await eventually(lambda: settled_as(dispatcher, owed.key, "failed"), within=30)
        (event,) = await rig.announced()
    assert rig.gateway.calls == [owed.key] * 4
    assert event["data"]["reason"] == "retries_exhausted:http_503"


async def test_a_sender_dying_after_the_gateway_accepted_is_followed_under_the_same_key(
    rig: Rig,
) -> None:
    dying = rig.dispatcher()
    dying.between_steps = dies_once_at("sent")
    owed = delivery("NGR-DIED-AFTER-ACK")
    await dying.enqueue([owed])
    async with sweeping(dying):
        await eventually(lambda: settled_as(dying, owed.key, "sent"), within=30)
        (event,) = await rig.announced()
    # The gateway was called twice with one key and accepted it once: one message.
    assert rig.gateway.calls == [owed.key, owed.key]
    assert rig.gateway.accepted[owed.key] == 1
    assert rig.gateway.replayed[owed.key] == 1
    assert event["data"]["attempts"] == 2


async def test_a_sender_dying_between_watchdog_and_claim_is_followed_by_the_watchdog(
    rig: Rig,
) -> None:
    dying = rig.dispatcher()
    dying.between_steps = dies_once_at("watched")
    owed = delivery("NGR-DIED-BEFORE-CLAIM")
    await dying.enqueue([owed])
    async with sweeping(dying):
        await eventually(lambda: settled_as(dying, owed.key, "sent"), within=30)
        assert len(await rig.announced()) == 1
    assert rig.gateway.calls == [owed.key]


async def test_a_sender_dying_after_its_claim_is_followed_by_the_watchdog(rig: Rig) -> None:
    dying = rig.dispatcher()
    dying.between_steps = dies_once_at("claimed")
    owed = delivery("NGR-DIED-AFTER-CLAIM")
    await dying.enqueue([owed])
    async with sweeping(dying):
        await eventually(lambda: settled_as(dying, owed.key, "sent"), within=30)
        assert len(await rig.announced()) == 1
    assert rig.gateway.calls == [owed.key]


async def test_a_sender_dying_before_announcing_leaves_it_to_the_relay(rig: Rig) -> None:
    dying = rig.dispatcher()
    dying.between_steps = dies_once_at("settled")
    owed = delivery("NGR-DIED-BEFORE-ANNOUNCING")
    await dying.enqueue([owed])
    async with sweeping(dying):
        await eventually(lambda: settled_as(dying, owed.key, "sent"), within=20)
    assert await rig.announced(at_least=0) == []
    assert await dying.relay_round(timedelta(0)) == 1
    assert await dying.relay_round(timedelta(0)) == 0
    assert len(await rig.announced()) == 1
    assert rig.gateway.calls == [owed.key]


async def test_two_replicas_and_a_redelivered_event_send_each_delivery_once(rig: Rig) -> None:
    first, second = rig.dispatcher(), rig.dispatcher()
    owed = [delivery(f"NGR-TWICE-{n}") for n in range(40)]
    await first.enqueue(owed)
    await second.enqueue(owed)  # the same event redelivered to another replica
    async with sweeping(first), sweeping(second):

        async def all_settled() -> bool:
            return all([await settled(first, item.key) == "sent" for item in owed])

        await eventually(all_settled, within=30)
        events = await rig.announced(at_least=len(owed))
    assert Counter(rig.gateway.calls) == Counter({item.key: 1 for item in owed})
    assert Counter(event["id"] for event in events).most_common(1)[0][1] == 1
    assert len(events) == len(owed)


async def _quiet(seconds: float) -> None:
    await asyncio.sleep(seconds)
