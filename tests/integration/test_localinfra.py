"""The local stack really works: Kafka round trip, MongoDB round trip, broker restart, and
`up` restarting only the node that died.

Self-contained on purpose: it starts its own stack in a temporary directory on free
ports, so it can run next to a developer's ``make up`` stack.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from nigrani_localinfra import (
    ferretdb_node,
    kafka_node,
    read_state,
    start_kafka_again,
    start_stack,
    stop_kafka,
    stop_stack,
)
from nigrani_localinfra.ferretdb import FerretDBNode, probe_mongodb
from nigrani_localinfra.kafka import KafkaNode, probe_kafka
from nigrani_localinfra.ports import port_is_free
from nigrani_localinfra.processes import read_pid
from pymongo import AsyncMongoClient

from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


async def _produce(bootstrap: str, topic: str, value: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value)
    finally:
        await producer.stop()


async def _consume_all(bootstrap: str, topic: str, expected: int) -> list[bytes]:
    """Read ``topic`` from the start in a fresh consumer group until ``expected`` values."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"localinfra-test-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    values: list[bytes] = []
    try:
        async with asyncio.timeout(60):
            while len(values) < expected:
                batches = await consumer.getmany(timeout_ms=500)
                for records in batches.values():
                    values.extend(record.value for record in records)
    finally:
        await consumer.stop()
    return values


def _alive(pid: int | None) -> bool:
    return pid is not None and Path(f"/proc/{pid}").exists()


@pytest.mark.timeout(900)  # the first run on a machine fetches jars and builds FerretDB
async def test_stack_round_trips_and_survives_a_kafka_restart(tmp_path: Path) -> None:
    state_dir = tmp_path / "infra"
    endpoints = await start_stack(state_dir)
    try:
        state = read_state(state_dir)
        assert state is not None
        bootstrap = endpoints.kafka_bootstrap_servers
        assert bootstrap == f"127.0.0.1:{state.kafka_port}"

        # Kafka: a fresh topic, one message through a consumer group.
        topic = f"localinfra-{uuid.uuid4().hex[:8]}"
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
        finally:
            await admin.close()
        await _produce(bootstrap, topic, b"before-restart")
        assert await _consume_all(bootstrap, topic, 1) == [b"before-restart"]

        # MongoDB protocol through FerretDB.
        mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(endpoints.mongodb_uri)
        try:
            collection = mongo["nigrani_localinfra_test"]["docs"]
            await collection.insert_one({"_id": "doc-1", "kind": "grievance"})
            found = await collection.find_one({"_id": "doc-1"})
            assert found == {"_id": "doc-1", "kind": "grievance"}
        finally:
            await mongo.close()

        # Stop only Kafka: FerretDB keeps running, the broker port goes away.
        kafka = kafka_node(state_dir)
        old_kafka_pid = kafka.pid
        await stop_kafka(state_dir)
        assert not kafka.is_running()
        assert not _alive(old_kafka_pid)
        assert ferretdb_node(state_dir).is_running()

        # Restart on the same port with the same data: the old message is still there.
        await start_kafka_again(state_dir)
        assert kafka.is_running()
        assert kafka.pid != old_kafka_pid
        assert kafka.bootstrap_servers == bootstrap
        await _produce(bootstrap, topic, b"after-restart")
        assert await _consume_all(bootstrap, topic, 2) == [b"before-restart", b"after-restart"]
    finally:
        pids = [read_pid(state_dir / "kafka.pid"), read_pid(state_dir / "ferretdb.pid")]
        await stop_stack(state_dir)

    assert not any(_alive(pid) for pid in pids)
    assert port_is_free(state.kafka_port)
    assert port_is_free(state.mongo_port)
    assert read_state(state_dir) is None
    await stop_stack(state_dir)  # idempotent


async def _crash(node: KafkaNode | FerretDBNode) -> None:
    """SIGKILL, as a crash or the OOM killer would: no clean shutdown."""
    assert node.pid is not None
    os.killpg(node.pid, signal.SIGKILL)

    async def gone() -> bool:
        return not node.is_running()

    await eventually(gone, within=30, what="the killed process to exit")


async def _cli(*args: str) -> str:
    """Runs the command line as `make` does; returns its stdout."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "nigrani_localinfra", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode()


@pytest.mark.timeout(600)
async def test_up_restarts_only_the_node_that_died(tmp_path: Path) -> None:
    state_dir = tmp_path / "infra"
    endpoints = await start_stack(state_dir)
    try:
        state = read_state(state_dir)
        assert state is not None
        ports = ["--kafka-port", str(state.kafka_port), "--mongo-port", str(state.mongo_port)]
        up = ["infra", "up", "--state-dir", str(state_dir), *ports]
        mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(endpoints.mongodb_uri)
        try:
            await mongo["nigrani_localinfra_test"]["docs"].insert_one({"_id": "kept"})
        finally:
            await mongo.close()

        for dead, kept in ((ferretdb_node, kafka_node), (kafka_node, ferretdb_node)):
            dead_pid, kept_pid = dead(state_dir).pid, kept(state_dir).pid
            await _crash(dead(state_dir))

            output = await _cli(*up)

            assert endpoints.kafka_bootstrap_servers in output
            assert kept(state_dir).pid == kept_pid
            assert kept(state_dir).is_running()
            assert dead(state_dir).pid != dead_pid
            assert dead(state_dir).is_running()
            await probe_kafka(endpoints.kafka_bootstrap_servers)
            await probe_mongodb(endpoints.mongodb_uri)

        mongo = AsyncMongoClient(endpoints.mongodb_uri)
        try:
            assert await mongo["nigrani_localinfra_test"]["docs"].find_one({"_id": "kept"})
        finally:
            await mongo.close()
    finally:
        await stop_stack(state_dir)
