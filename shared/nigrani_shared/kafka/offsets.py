"""Where a consumer group stands: its committed offsets, for a read model that must
start reading where the group's effects end (nigrani_shared.kafka.broadcast's
`start_at`), so that it sees every event whose effect it reloads after."""

from __future__ import annotations

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient


async def committed_offsets(
    bootstrap_servers: str, group_id: str, partitions: frozenset[TopicPartition]
) -> dict[TopicPartition, int | None]:
    """The group's committed offsets (None where it has none: the group will read that
    partition from its beginning, so the reader does too)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group_id, partitions=list(partitions))
    finally:
        await admin.close()
    found = {tp: meta.offset for tp, meta in offsets.items() if meta.offset >= 0}
    return {tp: found.get(tp) for tp in partitions}
