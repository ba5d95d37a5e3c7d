"""Creates the topics a service needs at start-up, so nothing depends on auto-creation."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

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
        with contextlib.suppress(TopicAlreadyExistsError):  # another replica was first
            await admin.create_topics(new_topics)
        logger.info("created topics", extra={"topics": missing})
    finally:
        await admin.close()


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
