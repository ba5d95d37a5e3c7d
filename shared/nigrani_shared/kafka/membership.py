"""Who is reading a topic in a consumer group right now: what makes a destructive admin
step (dropping a read model to rebuild it) unsafe while the group's consumers run."""

from __future__ import annotations

from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.protocol import ConsumerProtocolMemberMetadata

#: A member's fields in a DescribeGroups response (versions 0 to 3).
_METADATA = 3


async def members_reading(bootstrap_servers: str, group_id: str, topic: str) -> int:
    """How many live members of `group_id` subscribe to `topic`. A group's members may
    read other topics too (tests share group names across topic prefixes), so a member
    counts only if its own subscription names this topic."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        responses = await admin.describe_consumer_groups([group_id])
    finally:
        await admin.close()
    members = [
        member
        for response in responses
        for group in response.groups
        if group[1] == group_id
        for member in group[5]
    ]
    return sum(1 for member in members if topic in _subscription(member))


def _subscription(member: tuple[Any, ...]) -> list[str]:
    raw = member[_METADATA]
    if not raw:
        return []
    metadata = ConsumerProtocolMemberMetadata.decode(raw)
    return list(metadata.subscription)
