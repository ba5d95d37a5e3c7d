"""The dispatcher against the real store and broker, with a gateway written in the test
that honours idempotency keys the way the SMS gateways and webhook receivers we talk to
do: retries come from durable timers, a sender that dies after the gateway accepted is
followed by its watchdog under the same key, two replicas send each delivery once, and
every end is announced once (notification.sent / notification.failed)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from nigrani_notify.messages import SendResult

from tests.support.dispatch_rig import Rig, delivery, dies_once_at, settled, settled_as
from tests.support.notify import sweeping
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


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
