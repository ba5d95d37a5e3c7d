"""The shared consumer runtime on the real broker: bounded retries then the dead-letter
topic and back by the replay command, duplicate events skipped, a restart that resumes
after the commit, unknown types skipped and a hanging handler timed out."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import pytest
from nigrani_shared.events import EventEnvelope, RequestRouted, encode_event
from nigrani_shared.kafka.replay import replay_dead_letters
from nigrani_shared.store.processed import EffectsAreIdempotent

from tests.support.consumer import (
    PARTITIONS,
    handled_count,
    new_name,
    running_consumer,
    settings_for,
)
from tests.support.events import routed
from tests.support.infra import Infra
from tests.support.kafka import (
    committed_offsets,
    keys_on_one_partition,
    partition_for,
    read_topic,
    send_events,
    send_raw,
)
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

GROUP = "runtime-test"


async def test_a_failing_handler_is_retried_a_bounded_number_of_times_then_dead_lettered(
    infra: Infra,
) -> None:
    name = new_name()
    calls: Counter[str] = Counter()
    poison, fine = keys_on_one_partition(["POISON", "FINE-AFTER"], PARTITIONS)

    async def handler(envelope: EventEnvelope) -> None:
        calls[envelope.subject] += 1
        if envelope.subject == poison:
            raise ValueError("this event can never be applied")

    async with running_consumer(infra, name=name, handler=handler, max_attempts=3) as running:
        await send_events(infra.kafka_bootstrap_servers, running.topic, [routed(poison)])
        await send_events(infra.kafka_bootstrap_servers, running.topic, [routed(fine)])

        async def fine_handled() -> bool:
            return calls[fine] == 1

        await eventually(fine_handled, within=60, what="the good event after the poison one")
        assert calls[poison] == 3  # same partition: the poison one was settled first
        records = await read_topic(
            infra.kafka_bootstrap_servers, running.config.dead_letter_topic, expect=1
        )

    assert len(records) == 1
    headers = {key: value.decode() for key, value in records[0].headers}
    assert headers["nigrani-dlq-attempts"] == "3"
    assert headers["nigrani-dlq-error"].startswith("ValueError: this event can never be applied")
    assert headers["ce_type"] == RequestRouted.event_type  # original headers are kept


async def test_a_duplicate_event_is_skipped_and_a_restart_resumes_after_the_commit(
    infra: Infra,
) -> None:
    name = new_name()
    calls: Counter[str] = Counter()

    async def handler(envelope: EventEnvelope) -> None:
        calls[envelope.id] += 1

    first, second = routed("AAAA-0000-0001"), routed("AAAA-0000-0002")
    sent = [first, first, second]
    async with running_consumer(infra, name=name, handler=handler) as running:
        await send_events(infra.kafka_bootstrap_servers, running.topic, sent)

        async def both_handled() -> bool:
            return calls[second.id] == 1

        await eventually(both_handled, within=60, what="events handled")
    assert calls[first.id] == 1  # the second copy was recognised and skipped

    # What the broker holds for the group: every event sent, on the partition it went to.
    expected = Counter(partition_for(e.subject.encode(), PARTITIONS) for e in sent)
    committed = await committed_offsets(infra.kafka_bootstrap_servers, running.topic, GROUP)
    assert {p: o for p, o in committed.items() if o > 0} == dict(expected)

    # A new runtime in the same group starts after the committed offsets. It forgets which
    # events were applied, so anything replayed from before the commit would be seen here.
    async with running_consumer(
        infra, name=name, handler=handler, processed=EffectsAreIdempotent()
    ):
        third = routed("AAAA-0000-0003")
        await send_events(infra.kafka_bootstrap_servers, running.topic, [third])

        async def third_handled() -> bool:
            return calls[third.id] == 1

        await eventually(third_handled, within=60, what="event after restart handled")
    assert calls == Counter({first.id: 1, second.id: 1, third.id: 1})


async def test_dead_letters_replayed_after_a_fix_are_applied_once(infra: Infra) -> None:
    name = new_name()
    applied: Counter[str] = Counter()
    broken = True

    async def handler(envelope: EventEnvelope) -> None:
        if broken:
            raise LookupError("department table not loaded yet")
        applied[envelope.subject] += 1

    event = routed("FIXD-LATE-R001")
    async with running_consumer(infra, name=name, handler=handler, max_attempts=2) as running:
        await send_events(infra.kafka_bootstrap_servers, running.topic, [event])
        dlq = running.config.dead_letter_topic
        dead = await read_topic(infra.kafka_bootstrap_servers, dlq, expect=1)
        assert len(dead) == 1
        broken = False

        result = await replay_dead_letters(settings_for(infra, name), GROUP)
        assert (result.replayed, result.skipped) == (1, 0)

        async def applied_once() -> bool:
            return applied[event.subject] == 1

        await eventually(applied_once, within=60, what="replayed event applied")
        again = await replay_dead_letters(settings_for(infra, name), GROUP)
        assert again.replayed == 0  # the replay group committed what it sent
    assert applied == Counter({event.subject: 1})


async def test_an_unknown_event_type_is_skipped_counted_and_committed_not_dead_lettered(
    infra: Infra,
) -> None:
    name = new_name()
    group = f"unknown-{name}"
    future_type = "org.nigrani.request.reopened.v1"
    applied: list[str] = []

    async def handler(envelope: EventEnvelope) -> None:
        applied.append(envelope.subject)

    code = "UNKN-OWNT-YPE1"
    raw = json.loads(encode_event(routed(code)))
    future = json.dumps({**raw, "type": future_type, "data": {"reason": "x"}}).encode()
    async with running_consumer(infra, name=name, handler=handler, group=group) as running:
        await send_raw(infra.kafka_bootstrap_servers, running.topic, [future], key=code.encode())
        await send_events(infra.kafka_bootstrap_servers, running.topic, [routed(code)])

        async def known_applied() -> bool:
            return applied == [code]

        await eventually(known_applied, within=60, what="the known event after the unknown one")
        assert handled_count(group, "unknown_type", "unknown") == 1  # one label for any type
        assert handled_count(group, "dead_lettered") == 0
        dlq = running.config.dead_letter_topic

    partition = partition_for(code.encode(), PARTITIONS)
    committed = await committed_offsets(infra.kafka_bootstrap_servers, running.topic, group)
    assert committed[partition] == 2  # the unknown one is behind the commit too
    assert await read_topic(infra.kafka_bootstrap_servers, dlq, expect=1, within_ms=3000) == []


async def test_a_handler_that_hangs_is_timed_out_retried_then_dead_lettered(
    infra: Infra,
) -> None:
    name = new_name()
    hang, after = keys_on_one_partition(["HANG-FORE-VER1", "NEXT-AFTR-HANG"], PARTITIONS)
    attempts: Counter[str] = Counter()

    async def handler(envelope: EventEnvelope) -> None:
        attempts[envelope.subject] += 1
        if envelope.subject == hang:
            await asyncio.sleep(3600)

    async with running_consumer(
        infra, name=name, handler=handler, max_attempts=2, handler_timeout_seconds=0.5
    ) as running:
        await send_events(infra.kafka_bootstrap_servers, running.topic, [routed(hang)])
        await send_events(infra.kafka_bootstrap_servers, running.topic, [routed(after)])

        async def next_applied() -> bool:
            return attempts[after] == 1

        await eventually(next_applied, within=60, what="the event behind the hanging one")
        records = await read_topic(
            infra.kafka_bootstrap_servers, running.config.dead_letter_topic, expect=1
        )
    assert attempts[hang] == 2
    assert len(records) == 1
    headers = {key: value.decode() for key, value in records[0].headers}
    assert headers["nigrani-dlq-error"].startswith("HandlerTimeoutError")
    assert headers["nigrani-dlq-attempts"] == "2"


async def test_a_newer_version_of_a_handled_type_is_dead_lettered_not_skipped(
    infra: Infra,
) -> None:
    """A producer deployed first with `request.routed.v9`: this group acts on
    `request.routed`, so skipping would lose the effect for good; in the DLQ it waits for
    the consumer that knows v9 and a replay."""
    name = new_name()
    group = f"newer-{name}"
    newer_type = "org.nigrani.request.routed.v9"

    async def handler(envelope: EventEnvelope) -> None:
        return None

    code = "NEWE-RVER-SION"
    raw = json.loads(encode_event(routed(code)))
    newer = json.dumps({**raw, "type": newer_type}).encode()
    async with running_consumer(infra, name=name, handler=handler, group=group) as running:
        await send_raw(infra.kafka_bootstrap_servers, running.topic, [newer], key=code.encode())
        dead = await read_topic(
            infra.kafka_bootstrap_servers, running.config.dead_letter_topic, expect=1
        )
    assert len(dead) == 1
    assert json.loads(dead[0].value or b"{}")["type"] == newer_type
    assert handled_count(group, "unknown_type") == 0


async def test_a_latest_group_whose_first_member_stops_before_any_commit_loses_nothing(
    infra: Infra,
) -> None:
    """A group that starts at "latest" anchors where it started: the member that took the
    partitions first applied nothing and committed nothing of its own, yet the next
    member starts there, not at the end again, so the events in between are applied."""
    name = new_name()
    group = f"latest-{name}"
    reached: list[str] = []
    applied: Counter[str] = Counter()

    async def stuck(envelope: EventEnvelope) -> None:
        reached.append(envelope.id)
        await asyncio.Event().wait()  # never applies anything

    async def apply(envelope: EventEnvelope) -> None:
        applied[envelope.id] += 1

    events = [routed(f"LATE-0000-{n:04d}") for n in range(6)]
    async with running_consumer(
        infra, name=name, handler=stuck, group=group, start_from="latest", stop_grace_seconds=0.5
    ) as first:

        async def joined() -> bool:
            return first.runtime.ready

        await eventually(joined, within=60, what="the first member in its group")
        await send_events(infra.kafka_bootstrap_servers, first.topic, events)

        async def reached_one() -> bool:
            return bool(reached)

        await eventually(reached_one, within=60, what="the first member holding an event")

    async with running_consumer(
        infra,
        name=name,
        handler=apply,
        group=group,
        start_from="latest",
        processed=EffectsAreIdempotent(),
    ):

        async def all_applied() -> bool:
            return len(applied) == len(events)

        await eventually(all_applied, within=60, what="the next member applying them all")
    assert applied == Counter({event.id: 1 for event in events})
