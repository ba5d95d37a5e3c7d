"""Creates the topics a service needs at start-up, so nothing depends on auto-creation."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

logger = logging.getLogger(__name__)
KEEP_FOREVER = "-1"  # retention.ms


@dataclass(frozen=True)
class TopicLayout:
    """How a topic we create is laid out; from settings (KAFKA_TOPIC_PARTITIONS, ...)."""

    partitions: int
    replication_factor: int
    min_insync_replicas: int


@dataclass(frozen=True)
class TopicsEnsured:
    """What `ensure_topics` did: the topics it created and those that were already there
    (left as they are: partitions can only grow, and that is an operator's decision)."""

    created: list[str]
    existing: list[str]


async def ensure_topics(
    bootstrap_servers: str, topics: list[str], layout: TopicLayout
) -> TopicsEnsured:
    """Creates the missing topics; a topic that exists is left as it is."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        present = set(await admin.list_topics())
        missing = [name for name in topics if name not in present]
        existing = [name for name in topics if name in present]
        if not missing:
            return TopicsEnsured(created=[], existing=existing)
        configs = {
            "min.insync.replicas": str(layout.min_insync_replicas),
            # Kept forever, whatever the broker's default (7 days): the lifecycle topic is
            # the record every read model is rebuilt from (a new group starts at its
            # first event), and a dead letter waits for its replay.
            "retention.ms": KEEP_FOREVER,
        }
        new_topics = [
            NewTopic(name, layout.partitions, layout.replication_factor, topic_configs=configs)
            for name in missing
        ]
        response = await admin.create_topics(new_topics)
        raced = _raise_refusals(response.topic_errors, layout)
        logger.info("created topics", extra={"topics": missing})
        created = [name for name in missing if name not in raced]
        return TopicsEnsured(created=created, existing=[n for n in topics if n not in created])
    finally:
        await admin.close()


_ACCEPTED = (0, TopicAlreadyExistsError.errno)


class TopicCreationError(Exception):
    """The broker refused to create a topic as configured (say, a replication factor larger
    than the cluster): a configuration error, not an outage."""


def _raise_refusals(topic_errors: list[tuple[Any, ...]], layout: TopicLayout) -> set[str]:
    """The admin client returns per-topic error codes instead of raising them. "Already
    exists" means another replica was first (those names are returned); anything else is
    refused loudly, in one line that names the settings behind the layout."""
    codes = [entry[1] for entry in topic_errors if entry[1] not in _ACCEPTED]
    if codes:
        refused = sorted({for_code(code).__name__ for code in codes})
        raise TopicCreationError(
            f"Kafka refused to create {len(codes)} topic(s) with {layout.partitions} partitions,"
            f" replication factor {layout.replication_factor} and min.insync.replicas"
            f" {layout.min_insync_replicas} ({', '.join(refused)}); check"
            " KAFKA_TOPIC_PARTITIONS, KAFKA_REPLICATION_FACTOR and KAFKA_MIN_INSYNC_REPLICAS"
            " against the cluster's brokers"
        )
    return {entry[0] for entry in topic_errors if entry[1] == TopicAlreadyExistsError.errno}


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
