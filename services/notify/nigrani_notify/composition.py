"""Notify's composition root: the delivery log, one lane per channel (wheel, sender, pace,
parallelism), the announcer, the waiting reminders and the consumer's listener."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from nigrani_shared.events import EventEnvelope
from nigrani_shared.kafka.producer_handle import ProducerHandle
from nigrani_shared.loops import start_loop
from nigrani_shared.service import ServiceClients
from nigrani_shared.store.client import Document
from nigrani_shared.timer_wheel import TimerWheel
from pymongo.asynchronous.database import AsyncDatabase

from nigrani_notify.addressing import AddressBook
from nigrani_notify.announcer import Announcer
from nigrani_notify.cases import CaseViews
from nigrani_notify.channels.email import EmailSender
from nigrani_notify.channels.sms import SmsSender
from nigrani_notify.config import NotifySettings
from nigrani_notify.contacts import ContactBook, IntakeContacts
from nigrani_notify.deliveries import Delivery, DeliveryStore
from nigrani_notify.dispatcher import Dispatcher, Lane, NotBefore, Transmit
from nigrani_notify.listener import Listener
from nigrani_notify.messages import CHANNELS, Channel
from nigrani_notify.pacing import TokenBucket
from nigrani_notify.planning import Links, Planner
from nigrani_notify.recipients import Recipients
from nigrani_notify.repository import CASES, CONTACTS, OUTBOX, TIMERS
from nigrani_notify.retry import RetryPolicy
from nigrani_notify.templating import Templates
from nigrani_notify.transmits import email_transmit, sms_transmit, webhook_transmit
from nigrani_notify.waiting import WaitingReminders
from nigrani_notify.webhooks.sender import WebhookSender
from nigrani_notify.webhooks.store import COLLECTION as SUBSCRIPTIONS
from nigrani_notify.webhooks.store import SubscriptionStore

WAITING_WHEEL = "notify-waiting"
RELAY_EVERY_SECONDS = 2.0
OnPublished = Callable[[EventEnvelope], None]


def wheel_name(channel: Channel) -> str:
    return f"notify-{channel}"


def pace_of(settings: NotifySettings, channel: Channel) -> float:
    return {
        "email": settings.email_per_second,
        "sms": settings.sms_per_second,
        "webhook": settings.webhook_per_second,
    }[channel]


def quiet_hours_rule(recipients: Recipients) -> NotBefore:
    """SMS waits out the department's quiet hours; other channels go at once."""

    def not_before(delivery: Delivery, at: datetime) -> datetime:
        if delivery.channel != "sms":
            return at
        return recipients.sms_not_before(delivery.department_code, at)

    return not_before


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
        horizon=timedelta(hours=settings.horizon_hours),
    )


@dataclass(frozen=True)
class NotifyParts:
    dispatcher: Dispatcher
    listener: Listener
    reminders: WaitingReminders
    waiting_wheel: TimerWheel
    subscriptions: SubscriptionStore
    contacts: ContactBook


async def build_parts(
    stack: AsyncExitStack,
    clients: ServiceClients,
    settings: NotifySettings,
    templates: Templates,
    recipients: Recipients,
    intake: httpx.AsyncClient,
) -> NotifyParts:
    db = clients.db
    outbound = await stack.enter_async_context(httpx.AsyncClient())
    subscriptions = SubscriptionStore(db[SUBSCRIPTIONS])
    sms = SmsSender(settings.sms_gateway, client=outbound)
    webhooks = WebhookSender(
        outbound, gone=subscriptions, timeout_seconds=settings.webhook_timeout_seconds
    )
    transmits: dict[Channel, Transmit] = {
        "email": email_transmit(templates, EmailSender(settings.smtp)),
        "sms": sms_transmit(templates, sms),
        "webhook": webhook_transmit(webhooks),
    }
    assert set(transmits) == set(CHANNELS)
    contacts = ContactBook(db[CONTACTS], IntakeContacts(intake, settings.internal_api_token))
    addresses = AddressBook(contacts, recipients, subscriptions)
    dispatcher = build_dispatcher(
        db, clients.producer, settings, addresses, transmits, quiet_hours_rule(recipients)
    )
    cases = CaseViews(db[CASES])
    planner = Planner(
        recipients,
        Links(
            status_url=settings.public_status_url,
            case_url=settings.staff_case_url,
            confirmation_window=timedelta(days=settings.confirmation_window_days),
        ),
    )
    waiting_wheel = TimerWheel(
        db[TIMERS], WAITING_WHEEL, settle=timedelta(seconds=settings.timer_settle_seconds)
    )
    reminders = WaitingReminders(
        waiting_wheel, cases, planner, timedelta(hours=settings.staff_waiting_hours)
    )
    listener = Listener(
        cases=cases,
        contacts=contacts,
        planner=planner,
        reminders=reminders,
        subscriptions=subscriptions,
        enqueue=dispatcher.enqueue,
        horizon=timedelta(hours=settings.horizon_hours),
    )
    return NotifyParts(dispatcher, listener, reminders, waiting_wheel, subscriptions, contacts)


def start_loops(stack: AsyncExitStack, parts: NotifyParts, settings: NotifySettings) -> None:
    """A sweep per channel (a slow gateway holds only its own), the waiting reminders'
    sweep, and the relay of announcements a dead sender left."""
    grace = timedelta(seconds=settings.relay_grace_seconds)
    dispatcher = parts.dispatcher
    for channel in dispatcher.lanes:

        async def sweep_round(channel: Channel = channel) -> None:
            await dispatcher.sweep(channel)

        start_loop(stack, f"notify-sweep-{channel}", sweep_round, settings.sweep_interval_seconds)

    async def waiting_round() -> None:
        await parts.waiting_wheel.sweep(
            lambda timers: parts.reminders.fire(timers, dispatcher.enqueue)
        )

    async def relay_round() -> None:
        await dispatcher.relay_round(grace)

    start_loop(stack, "notify-waiting", waiting_round, 1.0)
    start_loop(stack, "notify-relay", relay_round, RELAY_EVERY_SECONDS)
