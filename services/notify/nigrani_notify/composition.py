"""Notify's composition root: the delivery log, one lane per channel (wheel, sender, pace,
parallelism), the announcer, and the consumer's listener, built from opened clients."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import timedelta

from nigrani_shared.events import EventEnvelope
from nigrani_shared.kafka.producer_handle import ProducerHandle
from nigrani_shared.store.client import Document
from nigrani_shared.timer_wheel import TimerWheel
from pymongo.asynchronous.database import AsyncDatabase

from nigrani_notify.addressing import AddressBook
from nigrani_notify.announcer import Announcer
from nigrani_notify.config import NotifySettings
from nigrani_notify.deliveries import DeliveryStore
from nigrani_notify.dispatcher import Dispatcher, Lane, NotBefore, Transmit
from nigrani_notify.messages import Channel
from nigrani_notify.pacing import TokenBucket
from nigrani_notify.repository import OUTBOX, TIMERS
from nigrani_notify.retry import RetryPolicy

WAITING_WHEEL = "notify-waiting"
OnPublished = Callable[[EventEnvelope], None]


def wheel_name(channel: Channel) -> str:
    return f"notify-{channel}"


def pace_of(settings: NotifySettings, channel: Channel) -> float:
    return {
        "email": settings.email_per_second,
        "sms": settings.sms_per_second,
        "webhook": settings.webhook_per_second,
    }[channel]


def build_dispatcher(
    db: AsyncDatabase[Document],
    producer: ProducerHandle,
    settings: NotifySettings,
    addresses: AddressBook,
    transmits: Mapping[Channel, Transmit],
    not_before: NotBefore,
    on_published: OnPublished | None = None,
) -> Dispatcher:
    store = DeliveryStore(db)
    settle = timedelta(seconds=settings.timer_settle_seconds)
    lanes = {
        channel: Lane(
            channel=channel,
            wheel=TimerWheel(db[TIMERS], wheel_name(channel), settle=settle),
            transmit=transmit,
            pace=TokenBucket(pace_of(settings, channel)),
            slots=asyncio.Semaphore(settings.channel_concurrency),
        )
        for channel, transmit in transmits.items()
    }
    announcer = Announcer(
        db[OUTBOX],
        store.outcome,
        producer,
        settings.lifecycle_topic,
        on_published or (lambda _: None),
    )
    policy = RetryPolicy(
        attempts=settings.retry_attempts,
        base_seconds=settings.retry_base_seconds,
        max_seconds=settings.retry_max_seconds,
    )
    return Dispatcher(
        store,
        lanes,
        addresses,
        announcer,
        policy,
        lease=timedelta(seconds=settings.attempt_lease_seconds),
        not_before=not_before,
    )
