"""The dispatcher's test rig: a dispatcher on the real store and broker whose only
channel is a gateway written in the test that honours idempotency keys, and the hooks
that make a sender die between two steps."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import httpx
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

from tests.support.kafka import events_on_topic
from tests.support.waiting import eventually

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
