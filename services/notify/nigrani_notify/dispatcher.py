"""Sending what the delivery log owes, once, from durable state.

Every attempt is a timer on its channel's wheel (nigrani_shared.timer_wheel), so a retry
waiting for its backoff, an SMS deferred past quiet hours and a first attempt are the same
thing and survive a restart. Each channel has its own wheel, sweep, pace and parallelism:
a dead SMS gateway slows only SMS, and the consumer only records deliveries and never
waits for a gateway.

Attempt n of a delivery:
1. nothing happens if the delivery has ended; a watchdog of attempt n-1 that finds n-1's
   result does what that result says follows (settle, or schedule the retry) instead,
   in case n-1's sender died between its result and what follows;
2. a watchdog for attempt n+1 is scheduled at now + lease: if this sender dies before
   recording a result (after the gateway accepted, say), the next attempt goes out
   under the same idempotency key, which the SMS gateway and webhook receivers use to
   drop the repeat (SMTP has none: README, "What can be sent twice");
3. the attempt is claimed by inserting `<key>:<n>` (one sender per attempt, whatever the
   replicas and redeliveries);
4. the address is looked up, the message sent, the result recorded;
5. sent or permanent: the outcome is recorded and announced; transient: attempt n+1 is
   scheduled after the backoff (or the gateway's Retry-After) until the attempts run out.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from nigrani_shared.clock import utc_now
from nigrani_shared.timer_wheel import Timer, TimerWheel

from nigrani_notify import metrics
from nigrani_notify.addressing import Address, AddressBook, Unreachable
from nigrani_notify.announcer import Announcer, announcement
from nigrani_notify.contacts import ContactUnavailableError
from nigrani_notify.deliveries import Delivery, DeliveryStore, Next, Outcome, Settled
from nigrani_notify.messages import Channel, SendOutcome, SendResult
from nigrani_notify.pacing import TokenBucket
from nigrani_notify.retry import RetryPolicy

logger = logging.getLogger(__name__)

ATTEMPT_SHARE_OF_LEASE = 0.8
Transmit = Callable[[Delivery, Address], Awaitable[SendResult]]
NotBefore = Callable[[Delivery, datetime], datetime]
Pause = Callable[[str, Delivery], Awaitable[None]]


@dataclass
class Lane:
    """One channel's way out: its wheel of attempts, its sender, pace and parallelism."""

    channel: Channel
    wheel: TimerWheel
    transmit: Transmit
    pace: TokenBucket
    slots: asyncio.Semaphore


def attempt_timer(
    key: str, attempt: int, after: int | None = None
) -> tuple[str, dict[str, object]]:
    return f"{key}:{attempt}", {"delivery": key, "attempt": attempt, "after": after}


class Dispatcher:
    def __init__(
        self,
        store: DeliveryStore,
        lanes: Mapping[Channel, Lane],
        addresses: AddressBook,
        announcer: Announcer,
        policy: RetryPolicy,
        *,
        lease: timedelta,
        not_before: NotBefore,
        horizon: timedelta,
    ) -> None:
        self._store = store
        self._lanes = lanes
        self._addresses = addresses
        self._announcer = announcer
        self._policy = policy
        self._lease = lease
        # An attempt gives up well inside its lease, so its watchdog never finds it
        # still sending (and sends again: SMTP has no idempotency key).
        self._attempt_budget = lease.total_seconds() * ATTEMPT_SHARE_OF_LEASE
        self._horizon = horizon
        self._not_before = not_before
        # Between the steps of an attempt, for tests that force the dangerous orders.
        self.between_steps: Pause | None = None

    @property
    def lanes(self) -> Mapping[Channel, Lane]:
        return self._lanes

    @property
    def store(self) -> DeliveryStore:
        return self._store

    async def relay_round(self, grace: timedelta) -> int:
        """Announces what a dead sender left in the outbox."""
        return await self._announcer.relay_round(grace)

    async def enqueue(self, deliveries: Sequence[Delivery]) -> None:
        """Records the deliveries, then their first attempts. Both are idempotent: an
        event redelivered after a crash between the two finds its deliveries and
        schedules the attempts again (the attempt's claim keeps it to one send)."""
        if not deliveries:
            return
        await self._store.record(deliveries)
        by_channel: dict[Channel, list[tuple[str, datetime, dict[str, object]]]] = defaultdict(list)
        now = utc_now()
        for delivery in deliveries:
            key, payload = attempt_timer(delivery.key, 1)
            by_channel[delivery.channel].append((key, self._not_before(delivery, now), payload))
        for channel, timers in by_channel.items():
            await self._lanes[channel].wheel.schedule_many(timers)
        for delivery in deliveries:
            metrics.PLANNED.labels(delivery.channel, delivery.audience).inc()

    async def sweep(self, channel: Channel) -> None:
        lane = self._lanes[channel]
        try:
            await lane.wheel.sweep(lambda timers: self._fire(lane, timers))
        finally:
            closed = lane.wheel.closed_up_to
            if closed is not None:
                behind = max((utc_now() - closed).total_seconds(), 0.0)
                metrics.SWEEP_BEHIND.labels(channel).set(behind)

    async def _fire(self, lane: Lane, timers: Sequence[Timer]) -> None:
        async def one(timer: Timer) -> None:
            async with lane.slots:
                await self.attempt(lane, timer)

        results = await asyncio.gather(*(one(timer) for timer in timers), return_exceptions=True)
        failures = [result for result in results if isinstance(result, BaseException)]
        if failures:
            # The wheel reads these timers again; attempts already claimed are skipped and
            # left to their watchdogs.
            raise failures[0]

    async def attempt(self, lane: Lane, timer: Timer) -> None:
        attempt = int(timer.payload["attempt"])
        delivery = await self._still_owed(lane, timer)
        if delivery is None:
            return
        key = delivery.key
        # The pace first: a sender queued behind its channel's rate holds no claim, so
        # no watchdog can find it still waiting.
        await lane.pace.take()
        # The watchdog before the claim: a sender that dies between the two leaves a
        # watchdog and no claim (the watchdog goes on), never a claim nobody watches.
        watchdog_at = self._not_before(delivery, utc_now() + self._lease)
        timer_key, payload = attempt_timer(key, attempt + 1, after=attempt)
        await lane.wheel.schedule(timer_key, watchdog_at, payload)
        await self._pause("watched", delivery)
        if not await self._store.claim_attempt(key, attempt, utc_now()):
            return  # another sender has it; its watchdog covers its death
        await self._pause("claimed", delivery)
        try:
            async with asyncio.timeout(self._attempt_budget):
                sent = await self._send(lane, delivery)
        except TimeoutError:
            sent = SendResult.transient("attempt_timeout")
        await self._pause("sent", delivery)
        if isinstance(sent, Unreachable):
            result = SendResult.permanent(sent.reason)
            follows = Next("failed" if sent.failed else "skipped", sent.reason)
        else:
            result = sent
            follows = self._next(delivery, attempt, result)
            self._count(lane.channel, delivery, result)
        await self._store.record_result(key, attempt, result, follows, utc_now())
        await self._follow(lane, delivery, attempt, follows)

    async def _still_owed(self, lane: Lane, timer: Timer) -> Delivery | None:
        """The delivery this attempt should send, or None when there is nothing to send:
        it has ended; its watched attempt ended (then what that attempt decided is done
        again, in case its sender died before doing it); it is stale news; or its
        attempts ran out (then it ends here)."""
        key = str(timer.payload["delivery"])
        attempt = int(timer.payload["attempt"])
        after = timer.payload.get("after")
        if await self._store.outcome(key) is not None:
            return None
        previous = None if after is None else await self._store.result(key, int(after))
        delivery = await self._store.get(key)
        if delivery is None:
            logger.warning("an attempt names no recorded delivery", extra={"channel": lane.channel})
            return None
        if after is not None and previous is not None:
            await self._follow(lane, delivery, int(after), previous)
            return None
        if utc_now() - delivery.event_time > self._horizon:
            # Stale news (notify was away longer than the horizon): nobody is told now.
            await self._settle(delivery, "skipped", "stale", attempt - 1)
            return None
        if attempt > self._policy.attempts:
            await self._settle(delivery, "failed", "retries_exhausted", attempt - 1)
            return None
        return delivery

    def _next(self, delivery: Delivery, attempt: int, result: SendResult) -> Next:
        if result.outcome is SendOutcome.SENT:
            return Next("sent", result.reason)
        if result.outcome is SendOutcome.PERMANENT:
            return Next("failed", result.reason)
        if self._policy.exhausted(attempt):
            return Next("failed", f"retries_exhausted:{result.reason}")
        wait = self._policy.delay(attempt, result.retry_after_seconds)
        due = self._not_before(delivery, utc_now() + timedelta(seconds=wait))
        return Next(None, result.reason, retry_at=due)

    async def _follow(self, lane: Lane, delivery: Delivery, attempt: int, follows: Next) -> None:
        """Settles the delivery or schedules its next attempt; both can be repeated."""
        if follows.settled is not None:
            await self._settle(delivery, follows.settled, follows.reason, attempt)
            return
        due = follows.retry_at or utc_now()
        timer_key, payload = attempt_timer(delivery.key, attempt + 1)
        await lane.wheel.schedule(timer_key, due, payload)

    @staticmethod
    def _count(channel: Channel, delivery: Delivery, result: SendResult) -> None:
        metrics.ATTEMPTS.labels(channel, result.outcome.value).inc()
        if result.outcome is SendOutcome.SENT:
            if result.segments:
                metrics.SMS_SEGMENTS.inc(result.segments)
            lateness = (utc_now() - delivery.event_time).total_seconds()
            metrics.EVENT_TO_GATEWAY_SECONDS.labels(channel).observe(max(lateness, 0.0))

    async def _send(self, lane: Lane, delivery: Delivery) -> SendResult | Unreachable:
        try:
            address = await self._addresses.address(delivery)
        except ContactUnavailableError as error:
            return SendResult.transient(f"contact_unavailable:{error}"[:60])
        if isinstance(address, Unreachable):
            return address
        started = time.monotonic()
        try:
            return await lane.transmit(delivery, address)
        finally:
            metrics.SEND_SECONDS.labels(lane.channel).observe(time.monotonic() - started)

    async def _settle(
        self, delivery: Delivery, settled: Settled, reason: str, attempts: int
    ) -> None:
        outcome = Outcome(settled=settled, reason=reason, attempts=attempts, at=utc_now())
        if settled == "skipped":
            if await self._store.settle(delivery.key, outcome):
                metrics.SETTLED.labels(delivery.channel, settled, reason).inc()
            return
        envelope = announcement(delivery, outcome)
        await self._announcer.hold(envelope)
        await self._pause("held", delivery)
        if not await self._store.settle(delivery.key, outcome):
            # Another sender ended it first. Its entry has our entry's id when it ended
            # the same way (the id is derived): that entry is the winner's, still to be
            # published by it or by the relay, and is never ours to drop.
            recorded = await self._store.outcome(delivery.key)
            if recorded is None or recorded.settled != settled:
                await self._announcer.drop(envelope)
            return
        metrics.SETTLED.labels(delivery.channel, settled, reason.split(":")[0]).inc()
        await self._pause("settled", delivery)
        await self._announcer.publish(envelope)

    async def _pause(self, point: str, delivery: Delivery) -> None:
        if self.between_steps is not None:
            await self.between_steps(point, delivery)
