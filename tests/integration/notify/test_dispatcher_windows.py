"""Windows the dispatcher's own tests leave open (review of issue 8), each against the
real store and broker: a sender dying between two of its writes, two senders meeting on
one delivery's announcement, an attempt outlasting its lease, and news older than the
horizon sent after an outage. Each failed before the dispatcher closed it."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from nigrani_notify.deliveries import Delivery
from nigrani_notify.messages import SendResult
from nigrani_shared.clock import utc_now
from nigrani_shared.timer_wheel import Timer

from tests.support.dispatch_rig import Died, Rig, delivery, dies_once_at, settled_as
from tests.support.notify import sweeping
from tests.support.waiting import eventually, holds

pytestmark = pytest.mark.integration


async def test_a_sender_dying_between_its_result_and_its_outcome_still_announces(
    rig: Rig,
) -> None:
    dying = rig.dispatcher()
    dying.between_steps = dies_once_at("held")  # result and outbox written, no outcome
    owed = delivery("NGR-DIED-AT-HELD")
    await dying.enqueue([owed])
    async with sweeping(dying):
        await asyncio.sleep(1)
        await eventually(lambda: settled_as(dying, owed.key, "sent"), within=10)
        events = await rig.announced()
    # One event (the watchdog and the relay may both publish it, under one id).
    assert {event["id"] for event in events} == {events[0]["id"]}
    assert events[0]["type"] == "org.nigrani.notification.sent.v1"
    assert rig.gateway.calls == [owed.key]


async def test_a_sender_dying_before_scheduling_its_retry_still_retries(rig: Rig) -> None:
    rig.gateway.script = [SendResult.transient("http_503")]
    dispatcher = rig.dispatcher()
    wheel = dispatcher.lanes["email"].wheel
    schedule = wheel.schedule
    died: list[str] = []

    async def dies_scheduling_the_retry(
        key: str, due: Any, payload: dict[str, Any] | None = None
    ) -> None:
        payload = payload or {}
        if payload.get("attempt") == 2 and payload.get("after") is None and not died:
            died.append(key)
            raise Died("between the result and the retry's timer")
        await schedule(key, due, payload)

    wheel.schedule = dies_scheduling_the_retry  # type: ignore[method-assign]
    owed = delivery("NGR-DIED-BEFORE-RETRY")
    await dispatcher.enqueue([owed])
    async with sweeping(dispatcher):
        await eventually(holds(lambda: bool(died)), within=10)
        await eventually(lambda: settled_as(dispatcher, owed.key, "sent"), within=15)
    assert rig.gateway.calls == [owed.key, owed.key]


async def test_a_losing_sender_never_drops_the_winners_announcement(rig: Rig) -> None:
    first, second = rig.dispatcher(), rig.dispatcher()
    lane_1, lane_2 = first.lanes["email"], second.lanes["email"]
    owed = delivery("NGR-TWO-SENDERS")
    await first.store.record([owed])
    first_claimed, second_sent = asyncio.Event(), asyncio.Event()
    go_first, go_second = asyncio.Event(), asyncio.Event()

    async def first_hook(point: str, _delivery: Delivery) -> None:
        if point == "claimed":  # a slow attempt 1: its lease runs out here
            first_claimed.set()
            await go_first.wait()
        if point == "settled":
            raise Died("the winner dies before publishing")

    async def second_hook(point: str, _delivery: Delivery) -> None:
        if point == "sent":  # the watchdog's attempt 2 has sent (same key) and waits
            second_sent.set()
            await go_second.wait()

    first.between_steps, second.between_steps = first_hook, second_hook
    now = utc_now()
    one = Timer(f"{owed.key}:1", now, {"delivery": owed.key, "attempt": 1, "after": None})
    watchdog = Timer(f"{owed.key}:2", now, {"delivery": owed.key, "attempt": 2, "after": 1})
    attempt_1 = asyncio.create_task(first.attempt(lane_1, one))
    await first_claimed.wait()
    attempt_2 = asyncio.create_task(second.attempt(lane_2, watchdog))
    await second_sent.wait()
    go_first.set()
    with pytest.raises(Died):
        await attempt_1  # the outcome is recorded; the winner died before publishing
    go_second.set()
    await attempt_2  # loses the outcome
    await first.relay_round(timedelta(0))
    assert len(await rig.announced()) == 1


async def test_an_attempt_waiting_for_its_pace_is_not_sent_again_by_a_watchdog(
    rig: Rig,
) -> None:
    slow = replace(rig, settings=rig.settings.model_copy(update={"email_per_second": 0.2}))
    first, second = slow.dispatcher(), slow.dispatcher()
    lane = first.lanes["email"]
    owed = [delivery("NGR-PACED-1"), delivery("NGR-PACED-2")]
    await first.store.record(owed)
    now = utc_now()
    timers = [
        Timer(f"{item.key}:1", now, {"delivery": item.key, "attempt": 1, "after": None})
        for item in owed
    ]
    # Replica one claims both; the second waits 5 s for its token (lease: 3 s) while
    # replica two sweeps the wheel and finds the watchdog of the second due.
    async with sweeping(second):
        await asyncio.gather(*(first.attempt(lane, timer) for timer in timers))
        await asyncio.sleep(1)
    assert Counter(rig.gateway.calls) == Counter({item.key: 1 for item in owed})


async def test_a_delivery_older_than_the_horizon_is_skipped_not_sent(rig: Rig) -> None:
    dispatcher = rig.dispatcher()
    horizon = timedelta(hours=rig.settings.horizon_hours)
    stale = replace(delivery("NGR-STALE"), event_time=utc_now() - horizon - timedelta(hours=1))
    await dispatcher.enqueue([stale])  # recorded just before notify went down for a day
    async with sweeping(dispatcher):
        await eventually(lambda: dispatcher.store.outcome(stale.key), within=10)
    assert rig.gateway.calls == []
