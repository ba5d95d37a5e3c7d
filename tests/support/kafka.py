"""Raw Kafka helpers for tests that put messages on a topic or read one back."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment
from aiokafka.partitioner import murmur2
from aiokafka.structs import ConsumerRecord
from nigrani_shared.events import EventEnvelope, encode_event
from nigrani_shared.kafka.producer import event_headers


async def send_raw(
    bootstrap: str,
    topic: str,
    values: list[bytes],
    key: bytes = b"test-key",
    headers: list[tuple[str, bytes]] | None = None,
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value=value, key=key, headers=headers)
    finally:
        await producer.stop()


async def send_events(bootstrap: str, topic: str, envelopes: list[EventEnvelope]) -> None:
    for envelope in envelopes:
        await send_raw(
            bootstrap,
            topic,
            [encode_event(envelope)],
            key=envelope.subject.encode(),
            headers=event_headers(envelope),
        )


async def read_topic(
    bootstrap: str, topic: str, *, expect: int, within_ms: int = 30_000
) -> list[ConsumerRecord[bytes, bytes]]:
    """Reads from the start until `expect` records arrived or the time is up."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    try:
        records: list[ConsumerRecord[bytes, bytes]] = []
        waited = 0
        while len(records) < expect and waited < within_ms:
            batch = await consumer.getmany(timeout_ms=500)
            waited += 500
            records += [r for part in batch.values() for r in part]
        return records
    finally:
        await consumer.stop()


async def events_on_topic(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    """Every record on the topic, decoded as JSON, read until two idle seconds pass.
    Records, not ids: a duplicate publication shows up as two entries."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    try:
        events: list[dict[str, Any]] = []
        while batch := await consumer.getmany(timeout_ms=2000):
            events += [json.loads(r.value or b"null") for part in batch.values() for r in part]
        return events
    finally:
        await consumer.stop()


def routed_records_per_request(events: list[dict[str, Any]]) -> Counter[str]:
    """How many request.routed records each request has on the topic."""
    return Counter(e["subject"] for e in events if ".request.routed." in str(e.get("type")))


def partition_for(key: bytes, partitions: int) -> int:
    """The partition Kafka's default partitioner picks for a key (murmur2, as in Java)."""
    return int(murmur2(key) & 0x7FFFFFFF) % partitions


def keys_on_one_partition(prefixes: list[str], partitions: int) -> list[str]:
    """One key per prefix (`prefix-N`), all landing on the same partition: computed, not
    assumed, for tests that rely on two events sharing a partition's order."""
    target = partition_for(prefixes[0].encode(), partitions)
    keys = [prefixes[0]]
    for prefix in prefixes[1:]:
        n = 0
        while partition_for(f"{prefix}-{n}".encode(), partitions) != target:
            n += 1
        keys.append(f"{prefix}-{n}")
    return keys


async def committed_offsets(bootstrap: str, topic: str, group: str) -> dict[int, int]:
    """The group's committed offsets on a topic, by partition, as the broker has them."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
        return {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topic}
    finally:
        await admin.close()


async def partitions_held(bootstrap: str, group: str, topic: str) -> list[frozenset[int]]:
    """The partitions of `topic` each member of the consumer group holds, as the group's
    coordinator has them (members holding none of them, such as a process of another
    test's topic still in the group, are left out). Empty while the group rebalances."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        responses = await admin.describe_consumer_groups([group])
    finally:
        await admin.close()
    held = []
    for response in responses:
        for described in response.to_object()["groups"]:
            for member in described["members"]:
                raw = member["member_assignment"]
                if not raw:
                    continue
                assignment = ConsumerProtocolMemberAssignment.decode(raw)
                mine = frozenset(
                    tp.partition for tp in assignment.partitions() if tp.topic == topic
                )
                if mine:
                    held.append(mine)
    return held
