"""Guarantee 4: on SIGTERM a worker finishes, commits what it applied, and exits cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient

from tests.support.events import submitted
from tests.support.infra import Infra
from tests.support.kafka import read_topic, send_events
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


async def _committed(infra: Infra, topic: str, group: str) -> dict[int, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap_servers)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
        return {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topic}
    finally:
        await admin.close()


async def test_sigterm_stops_the_worker_after_committing(infra: Infra) -> None:
    prefix = f"t{uuid.uuid4().hex[:10]}"
    topic = f"{prefix}.requests.lifecycle"
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap_servers,
        "MONGODB_URI": infra.mongodb_uri,
        "TOPIC_PREFIX": prefix,
        "ROUTING_DATABASE": f"{prefix}_routing",
        "ENVIRONMENT": "test",
    }
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "nigrani_routing.worker",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(infra.mongodb_uri)
    try:
        codes = [f"STOP-{n:04d}-TEST" for n in range(20)]
        await send_events(infra.kafka_bootstrap_servers, topic, [submitted(c) for c in codes])
        cases = mongo[f"{prefix}_routing"]["cases"]

        async def all_routed() -> bool:
            return await cases.count_documents({}) == len(codes)

        await eventually(all_routed, within=90, what="the worker routed every request")
        worker.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(worker.communicate(), timeout=60)
    finally:
        if worker.returncode is None:
            worker.kill()
        await mongo.close()

    assert worker.returncode == 0, output.decode()[-2000:]
    assert b"worker stopping" in output
    # Every submission it applied is behind the committed offset: a restart redoes none.
    committed = await _committed(infra, topic, "routing")
    records = await read_topic(infra.kafka_bootstrap_servers, topic, expect=40, within_ms=5000)
    applied = [r for r in records if b"request.submitted" in (r.value or b"")]
    assert len(applied) == len(codes)
    for record in applied:
        assert committed[record.partition] > record.offset
