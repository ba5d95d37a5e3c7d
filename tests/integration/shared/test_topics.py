"""Topics are created with the configured layout, and a layout the cluster cannot give is
refused loudly instead of being left to broker auto-creation."""

from __future__ import annotations

import uuid

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from nigrani_shared.kafka.topics import TopicCreationError, TopicLayout, ensure_topics

from tests.support.infra import Infra

pytestmark = pytest.mark.integration


async def _partitions(infra: Infra, topic: str) -> int | None:
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap_servers)
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
        partitions = described[0]["partitions"]
        return len(partitions) if described[0]["error_code"] == 0 else None
    finally:
        await admin.close()


async def test_topics_get_the_configured_partitions_and_a_second_call_is_harmless(
    infra: Infra,
) -> None:
    topic = f"t{uuid.uuid4().hex[:10]}.layout"
    layout = TopicLayout(partitions=5, replication_factor=1, min_insync_replicas=1)
    await ensure_topics(infra.kafka_bootstrap_servers, [topic], layout)
    await ensure_topics(infra.kafka_bootstrap_servers, [topic], layout)  # already there
    assert await _partitions(infra, topic) == 5


async def test_a_replication_the_cluster_cannot_give_is_refused(infra: Infra) -> None:
    topic = f"t{uuid.uuid4().hex[:10]}.production"
    layout = TopicLayout(partitions=3, replication_factor=3, min_insync_replicas=2)
    with pytest.raises(TopicCreationError, match="InvalidReplicationFactor"):
        await ensure_topics(infra.kafka_bootstrap_servers, [topic], layout)
