"""Creates the topics a service needs at start-up, so nothing depends on auto-creation."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TopicLayout:
    """How a topic we create is laid out; from settings (KAFKA_TOPIC_PARTITIONS, ...)."""

    partitions: int
    replication_factor: int
    min_insync_replicas: int


async def ensure_topics(bootstrap_servers: str, topics: list[str], layout: TopicLayout) -> None:
    """Creates the missing topics; a topic that exists is left as it is."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [name for name in topics if name not in existing]
        if not missing:
            return
        configs = {"min.insync.replicas": str(layout.min_insync_replicas)}
        new_topics = [
            NewTopic(name, layout.partitions, layout.replication_factor, topic_configs=configs)
            for name in missing
        ]
        response = await admin.create_topics(new_topics)
        _raise_refusals(response.topic_errors)
        logger.info("created topics", extra={"topics": missing})
    finally:
        await admin.close()


class TopicCreationError(Exception):
    """The broker refused to create a topic as configured (say, a replication factor larger
    than the cluster): a configuration error, not an outage."""


def _raise_refusals(topic_errors: list[tuple[Any, ...]]) -> None:
    """The admin client returns per-topic error codes instead of raising them. "Already
    exists" means another replica was first; anything else is refused loudly."""
    refused = [
        f"{entry[0]}: {for_code(entry[1]).__name__}"
        for entry in topic_errors
        if entry[1] not in (0, TopicAlreadyExistsError.errno)
    ]
    if refused:
        raise TopicCreationError("Kafka refused to create topics: " + "; ".join(refused))


async def kafka_reachable(bootstrap_servers: str) -> bool:
    """A real metadata request, used by /readyz."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=3000)
    try:
        await admin.start()
        await admin.list_topics()
        return True
    except Exception:
        return False
    finally:
        await admin.close()
