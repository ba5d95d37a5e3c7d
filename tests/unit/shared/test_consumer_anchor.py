"""The consumer's anchoring (a group that starts at "latest" commits where it started on a
new partition) while Kafka does not answer: aiokafka's `committed()` retries for as long
as the coordinator is away, so an unbounded call would hold the batch lock (and with it
every rebalance and stop) for the whole outage. A fake consumer stands in for the broker:
this is the runtime's own bookkeeping, not Kafka's behaviour."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest
from aiokafka import TopicPartition
from nigrani_shared.kafka import runtime as runtime_module
from nigrani_shared.kafka.runtime import ConsumerConfig, ConsumerRuntime

TP = TopicPartition("t.requests.lifecycle", 0)


class _CoordinatorAway:
    """A consumer whose committed() never returns, as aiokafka's does while the group
    coordinator is unreachable."""

    def __init__(self) -> None:
        self.commits: list[dict[TopicPartition, int]] = []

    def assignment(self) -> set[TopicPartition]:
        return {TP}

    async def committed(self, tp: TopicPartition) -> int | None:
        await asyncio.Event().wait()
        return None

    async def position(self, tp: TopicPartition) -> int:
        return 7

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.commits.append(dict(offsets))


def _runtime() -> ConsumerRuntime:
    config = ConsumerConfig(
        group_id="notify", topics=(TP.topic,), dead_letter_topic="t.dlq", start_from="latest"
    )
    return ConsumerRuntime(
        config=config,
        handlers={},
        bootstrap_servers="127.0.0.1:1",
        producer=cast(Any, None),
        processed=cast(Any, None),
    )


async def test_an_anchor_waits_a_bounded_time_for_the_committed_offset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(runtime_module, "ANCHOR_TIMEOUT_SECONDS", 0.2)
    runtime = _runtime()
    consumer = _CoordinatorAway()
    runtime._consumer = cast(Any, consumer)
    runtime.anchor_later([TP])

    await asyncio.wait_for(runtime._anchor({}), timeout=5)

    assert runtime._unanchored == {TP}  # tried again next round
    assert consumer.commits == []  # nothing anchored on a guess
