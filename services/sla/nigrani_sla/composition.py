"""The SLA service's composition root: the clock keeper (the consumer's side), the timer
wheel with its sweep, and the outbox with its relay, built from the opened clients."""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta

from nigrani_shared.clock import utc_now
from nigrani_shared.events import EventEnvelope
from nigrani_shared.loops import start_loop
from nigrani_shared.service import ServiceClients
from nigrani_shared.timer_wheel import TimerWheel

from nigrani_sla.clock.transitions import Rules
from nigrani_sla.config import SlaSettings
from nigrani_sla.firing import Firing
from nigrani_sla.keeper import ClockKeeper
from nigrani_sla.metrics import SWEEP_BEHIND, count_published
from nigrani_sla.outbox import SlaOutbox
from nigrani_sla.progress import ConsumerProgress
from nigrani_sla.repository import PROGRESS, TIMERS, SlaRepository

WHEEL = "sla"
RELAY_EVERY_SECONDS = 2.0


@dataclass(frozen=True)
class SlaParts:
    repository: SlaRepository
    wheel: TimerWheel
    outbox: SlaOutbox
    firing: Firing
    keeper: ClockKeeper
    progress: ConsumerProgress


def build_parts(clients: ServiceClients, settings: SlaSettings, rules: Rules) -> SlaParts:
    repository = SlaRepository(clients.db)
    wheel = TimerWheel(
        clients.db[TIMERS], WHEEL, settle=timedelta(seconds=settings.timer_settle_seconds)
    )

    def on_published(envelope: EventEnvelope) -> None:
        count_published(envelope.data)

    outbox = SlaOutbox(repository, clients.producer, settings.lifecycle_topic, on_published)
    firing = Firing(repository, outbox)
    keeper = ClockKeeper(repository, wheel, outbox, rules)
    progress = ConsumerProgress(clients.db[PROGRESS], settings.kafka_topic_partitions)
    return SlaParts(repository, wheel, outbox, firing, keeper, progress)


def start_loops(stack: AsyncExitStack, parts: SlaParts, settings: SlaSettings) -> None:
    """The sweep (fires due timers) and the relay (publishes what a dead writer left)."""
    grace = timedelta(seconds=settings.relay_grace_seconds)

    async def sweep_round() -> None:
        # Only up to where the consumer has applied every partition: a clock must have
        # heard of everything that happened before a timer's due time.
        try:
            applied_up_to = await parts.progress.applied_up_to()
            if applied_up_to is not None:
                await parts.wheel.sweep(parts.firing.fire, now=min(utc_now(), applied_up_to))
        finally:
            closed = parts.wheel.closed_up_to
            if closed is not None:
                SWEEP_BEHIND.set(max((utc_now() - closed).total_seconds(), 0.0))

    async def relay_round() -> None:
        await parts.outbox.relay_round(grace)

    start_loop(stack, "sla-sweep", sweep_round, settings.sweep_interval_seconds)
    start_loop(stack, "sla-relay", relay_round, RELAY_EVERY_SECONDS)
