"""How far each consumer group is behind: per partition, its committed offset, the
partition's end offset and the difference, as `nigrani lag` shows them and as the
autoscaler's lag trigger computes them.

A partition the group has never committed on shows no committed offset and no lag, as
Kafka's own `kafka-consumer-groups.sh` does: where the group would start there depends on
its start policy, not on the broker.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient


@dataclass(frozen=True)
class PartitionLag:
    group: str
    topic: str
    partition: int
    committed: int | None  # None: the group never committed on this partition
    end: int

    @property
    def lag(self) -> int | None:
        return None if self.committed is None else max(self.end - self.committed, 0)


async def consumer_lag(
    bootstrap_servers: str, groups: Sequence[str] | None = None
) -> list[PartitionLag]:
    """Every partition of every topic each group has committed on (all the broker's
    groups when `groups` is None), sorted by group, topic and partition."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        if groups is None:
            groups = sorted(str(entry[0]) for entry in await admin.list_consumer_groups())
        committed = {group: await _committed(admin, group) for group in groups}
    finally:
        await admin.close()
    topics = {tp.topic for offsets in committed.values() for tp in offsets}
    _, ends = await offset_ranges(bootstrap_servers, topics)
    rows = [
        PartitionLag(group, tp.topic, tp.partition, offsets.get(tp), end)
        for group, offsets in committed.items()
        for tp, end in ends.items()
        if tp.topic in {t.topic for t in offsets}
    ]
    return sorted(rows, key=lambda r: (r.group, r.topic, r.partition))


async def _committed(admin: AIOKafkaAdminClient, group: str) -> dict[TopicPartition, int]:
    offsets = await admin.list_consumer_group_offsets(group)
    return {tp: meta.offset for tp, meta in offsets.items() if meta.offset >= 0}


async def offset_ranges(
    bootstrap_servers: str, topics: Iterable[str]
) -> tuple[dict[TopicPartition, int], dict[TopicPartition, int]]:
    """The beginning and end offsets of every partition of `topics` (the end is the
    offset the next record will get); a topic that does not exist has no partitions."""
    partitions = await partitions_of(bootstrap_servers, topics)
    if not partitions:
        return {}, {}
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    try:
        beginnings: dict[TopicPartition, int] = await consumer.beginning_offsets(partitions)
        ends: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
        return beginnings, ends
    finally:
        await consumer.stop()


async def partitions_of(bootstrap_servers: str, topics: Iterable[str]) -> list[TopicPartition]:
    wanted = sorted(set(topics))
    if not wanted:
        return []
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        described = await describe_existing(admin, wanted)
    finally:
        await admin.close()
    return [
        TopicPartition(topic["topic"], partition["partition"])
        for topic in described
        for partition in sorted(topic["partitions"], key=lambda p: p["partition"])
    ]


async def describe_existing(admin: AIOKafkaAdminClient, topics: list[str]) -> list[Any]:
    """The metadata of those of `topics` that exist. Only existing topics are asked about:
    a metadata request for a missing one makes a broker with auto.create.topics.enable
    create it, with the broker's defaults instead of our layout."""
    present = set(await admin.list_topics())
    wanted = [topic for topic in topics if topic in present]
    if not wanted:
        return []
    return [t for t in await admin.describe_topics(wanted) if t["error_code"] == 0]
