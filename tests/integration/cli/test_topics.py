"""`nigrani topics create`: every topic the system uses, with the configured layout, made
once; a layout the cluster cannot give is refused in one line."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from nigrani_shared.kafka.topology import CONSUMER_GROUPS

from tests.support.cli import cli_env, new_prefix, nigrani, nigrani_async, one_line
from tests.support.infra import Infra

pytestmark = pytest.mark.integration
TOPIC_CONFIG = 1  # DescribeConfigs' config_source of a value set on the topic itself
# 4 partitions, 1 copy, min.insync 1, and kept forever: the lifecycle topic is the record
# read models are rebuilt from, and a dead letter waits for its replay.
LAYOUT = (4, 1, "1 (topic)", "-1 (topic)")


def expected_topics(prefix: str) -> list[str]:
    return [f"{prefix}.requests.lifecycle", *(f"{prefix}.dlq.{g}" for g in CONSUMER_GROUPS)]


async def layouts(infra: Infra, topics: list[str]) -> dict[str, tuple[int, int, str, str]]:
    """Partitions, replicas, min.insync.replicas and retention.ms of each topic, as the
    broker has them."""
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap_servers)
    await admin.start()
    try:
        present = set(await admin.list_topics())
        described = await admin.describe_topics([t for t in topics if t in present])
        configs = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, t) for t in topics if t in present]
        )
    finally:
        await admin.close()
    set_on = {  # the value, and whether it was set on the topic (not a broker default)
        (resource[3], name): f"{value} ({'topic' if source == TOPIC_CONFIG else source})"
        for response in configs
        for resource in response.resources
        for name, value, _, source, *_ in resource[4]
        if name in ("min.insync.replicas", "retention.ms")
    }
    return {
        t["topic"]: (
            len(t["partitions"]),
            len(t["partitions"][0]["replicas"]),
            set_on[t["topic"], "min.insync.replicas"],
            set_on[t["topic"], "retention.ms"],
        )
        for t in described
    }


async def test_every_topic_is_created_with_the_configured_layout_and_only_once(
    infra: Infra,
) -> None:
    prefix = new_prefix()
    env = cli_env(infra, prefix, KAFKA_TOPIC_PARTITIONS="4")
    topics = expected_topics(prefix)

    # The console script, as an operator or a Kubernetes Job runs it.
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "nigrani"),
        "topics",
        "create",
        env={"PATH": "/usr/bin:/bin", **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, stderr.decode()
    assert sorted(stdout.decode().splitlines()[:-1]) == sorted(f"created  {t}" for t in topics)
    assert await layouts(infra, topics) == dict.fromkeys(topics, LAYOUT)

    again = await nigrani_async({**env, "KAFKA_TOPIC_PARTITIONS": "6"}, "topics", "create")
    assert again.exit_code == 0, again.output
    assert sorted(again.stdout.splitlines()[:-1]) == sorted(f"exists   {t}" for t in topics)
    assert again.stdout.splitlines()[-1].startswith("0 created, 5 already there")
    assert await layouts(infra, topics) == dict.fromkeys(topics, LAYOUT)  # left alone

    listed = await nigrani_async(env, "topics", "list")
    assert listed.exit_code == 0, listed.output
    assert f"exists   {prefix}.requests.lifecycle  partitions 4, replication factor 1" in (
        listed.stdout
    )


def test_a_replication_the_cluster_cannot_give_is_one_line_and_exit_2(infra: Infra) -> None:
    prefix = new_prefix()
    env = cli_env(infra, prefix, KAFKA_REPLICATION_FACTOR="3", KAFKA_MIN_INSYNC_REPLICAS="2")

    result = nigrani(env, "topics", "create")

    assert result.exit_code == 2
    assert result.stdout == ""
    line = one_line(result.stderr)
    assert line.startswith("refused: Kafka refused to create 5 topic(s)")
    assert "InvalidReplicationFactorError" in line
    assert "KAFKA_REPLICATION_FACTOR" in line
    assert "missing  " in nigrani(env, "topics", "list").stdout


def test_topics_list_asks_about_missing_topics_without_creating_them(infra: Infra) -> None:
    env = cli_env(infra, new_prefix())
    listed = nigrani(env, "topics", "list")
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.count("missing  ") == 5
    assert nigrani(env, "topics", "list").stdout.count("missing  ") == 5  # still missing
