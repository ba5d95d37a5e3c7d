"""`nigrani lag`: per group and partition, the committed offset, the end offset and the
lag, as the broker has them after N records produced and M consumed."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from nigrani_shared.kafka.topics import TopicLayout, ensure_topics

from tests.support.cli import cli_env, new_prefix, nigrani_async, one_line
from tests.support.infra import Infra

pytestmark = pytest.mark.integration

PRODUCED = {0: 7, 1: 3}  # records per partition
CONSUMED = {0: 5}  # committed per partition; partition 2 gets nothing, partition 1 no commit


async def produce(bootstrap: str, topic: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for partition, count in PRODUCED.items():
            for n in range(count):
                await producer.send_and_wait(topic, value=b"x%d" % n, partition=partition)
    finally:
        await producer.stop()


async def consume_and_commit(bootstrap: str, topic: str, group: str) -> None:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        for partition, count in CONSUMED.items():
            tp = TopicPartition(topic, partition)
            consumer.assign([tp])
            await consumer.seek_to_beginning(tp)
            records = await consumer.getmany(tp, timeout_ms=10_000, max_records=count)
            assert len(records[tp]) == count
            await consumer.commit({tp: records[tp][-1].offset + 1})
    finally:
        await consumer.stop()


async def test_lag_is_end_minus_committed_per_partition(infra: Infra) -> None:
    prefix = new_prefix()
    bootstrap, topic, group = infra.kafka_bootstrap_servers, f"{prefix}.lagged", f"{prefix}-g"
    await ensure_topics(bootstrap, [topic], TopicLayout(3, 1, 1))
    await produce(bootstrap, topic)
    await consume_and_commit(bootstrap, topic, group)

    result = await nigrani_async(cli_env(infra, prefix), "lag", "--group", group)

    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines()]
    assert rows[0] == ["GROUP", "TOPIC", "PARTITION", "COMMITTED", "END", "LAG"]
    assert rows[1:] == [
        [group, topic, "0", "5", "7", "2"],
        [group, topic, "1", "-", "3", "-"],  # never committed: Kafka's tool shows "-" too
        [group, topic, "2", "-", "0", "-"],
        [group, "(total)", "2"],
    ]


async def test_every_group_is_listed_without_a_filter(infra: Infra) -> None:
    prefix = new_prefix()
    bootstrap, topic, group = infra.kafka_bootstrap_servers, f"{prefix}.lagged", f"{prefix}-g"
    await ensure_topics(bootstrap, [topic], TopicLayout(3, 1, 1))
    await produce(bootstrap, topic)
    await consume_and_commit(bootstrap, topic, group)

    result = await nigrani_async(cli_env(infra, prefix), "lag")

    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines()]
    assert [group, topic, "0", "5", "7", "2"] in rows


async def test_a_group_without_offsets_is_one_line_and_exit_1(infra: Infra) -> None:
    result = await nigrani_async(cli_env(infra, new_prefix()), "lag", "--group", "no-such")
    assert result.exit_code == 1
    assert one_line(result.stderr) == "no committed offsets for group no-such; is the name right?"
