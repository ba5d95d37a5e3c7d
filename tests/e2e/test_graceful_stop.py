"""Guarantee 4: on SIGTERM a worker finishes the events in flight, commits exactly what it
applied, and exits cleanly within its bound, even with a handler that never finishes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pymongo import AsyncMongoClient

from tests.support.events import submitted
from tests.support.infra import Infra
from tests.support.kafka import committed_offsets, partition_for, read_topic, send_events
from tests.support.processes import free_port, service_environment
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

PARTITIONS = 3
GRACE, CLOSE = 3.0, 3.0
STOPPED_BY_SIGTERM = -signal.SIGTERM


def _worker_env(infra: Infra, prefix: str, applied_log: Path, hang: str) -> dict[str, str]:
    return {
        **os.environ,
        **service_environment(infra, prefix),
        "KAFKA_TOPIC_PARTITIONS": str(PARTITIONS),
        "KAFKA_REPLICATION_FACTOR": "1",
        "KAFKA_MIN_INSYNC_REPLICAS": "1",
        "CONSUMER_STOP_GRACE_SECONDS": str(GRACE),
        "CONSUMER_CLOSE_TIMEOUT_SECONDS": str(CLOSE),
        "APPLIED_LOG": str(applied_log),
        "SLOW_HANDLER_SECONDS": "0.3",
        "HANG_SUBJECT": hang,
        "HTTP_PORT": str(free_port()),  # the worker serves its health and metrics there
    }


async def test_sigterm_with_a_batch_in_hand_commits_exactly_what_was_applied(
    infra: Infra, tmp_path: Path
) -> None:
    prefix = f"t{uuid.uuid4().hex[:10]}"
    topic = f"{prefix}.requests.lifecycle"
    applied_log = tmp_path / "applied.log"
    applied_log.touch()
    codes = [f"STOP-{n:04d}-TEST" for n in range(30)]
    hang = codes[4]  # never finishes: stop must abandon it at its deadline
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.slow_worker",
        env=_worker_env(infra, prefix, applied_log, hang),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await send_events(infra.kafka_bootstrap_servers, topic, [submitted(c) for c in codes])

        async def some_applied() -> bool:
            return len(applied_log.read_text().split()) >= 3

        await eventually(some_applied, within=90, what="the worker applying events")
        worker.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        output, _ = await asyncio.wait_for(worker.communicate(), timeout=60)
        took = time.monotonic() - signalled
    finally:
        if worker.returncode is None:
            worker.kill()

    # uvicorn re-raises the SIGTERM once its shutdown is done, as a process stopped by the
    # signal should end; "worker stopped" is logged only after the consumer committed.
    assert worker.returncode == STOPPED_BY_SIGTERM, output.decode()[-3000:]
    assert b"worker stopped" in output
    assert took < GRACE + 2 * CLOSE + 5, f"stop took {took:.1f} s"
    applied = set(applied_log.read_text().split())
    assert 3 <= len(applied) < len(codes)  # SIGTERM came with work left in hand

    records = await read_topic(infra.kafka_bootstrap_servers, topic, expect=len(codes))
    offsets_applied: dict[int, list[int]] = defaultdict(list)
    for record in records:
        assert record.partition == partition_for(record.key or b"", PARTITIONS)
        if json.loads(record.value or b"{}")["id"] in applied:
            offsets_applied[record.partition].append(record.offset)
    committed = await committed_offsets(infra.kafka_bootstrap_servers, topic, "slow")
    for partition in range(PARTITIONS):
        done = sorted(offsets_applied[partition])
        assert done == list(range(len(done)))  # one partition is applied in order
        # committed == exactly the applied ones: not fewer (a restart would redo them),
        # not more (an event never applied would be lost)
        assert committed.get(partition, 0) in ({len(done)} if done else {0, -1})
    hang_partition = partition_for(hang.encode(), PARTITIONS)
    assert committed.get(hang_partition, 0) <= 4


async def test_the_routing_worker_exits_cleanly_on_sigterm_after_committing(infra: Infra) -> None:
    """The real routing worker process, not a test worker: SIGTERM, a graceful stop, and every
    submission it routed is behind its committed offset."""
    prefix = f"t{uuid.uuid4().hex[:10]}"
    topic = f"{prefix}.requests.lifecycle"
    port = free_port()
    env = {**os.environ, **service_environment(infra, prefix), "ROUTING_PORT": str(port)}
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
        await _serves_its_operations_routes(port, handled=len(codes))
        worker.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(worker.communicate(), timeout=60)
    finally:
        if worker.returncode is None:
            worker.kill()
        await mongo.close()

    assert worker.returncode == STOPPED_BY_SIGTERM, output.decode()[-2000:]
    assert b"worker stopped" in output
    # Every submission it applied is behind the committed offset: a restart redoes none.
    committed = await committed_offsets(infra.kafka_bootstrap_servers, topic, "routing")
    records = await read_topic(infra.kafka_bootstrap_servers, topic, expect=40, within_ms=5000)
    applied = [r for r in records if b"request.submitted" in (r.value or b"")]
    assert len(applied) == len(codes)
    for record in applied:
        assert committed[record.partition] > record.offset


async def _serves_its_operations_routes(port: int, *, handled: int) -> None:
    """The worker answers probes and Prometheus on its service's port, like the API: the
    consumer's counters live only in this process."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        assert (await http.get("/healthz")).status_code == 200
        ready = await http.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"store": True, "kafka": True, "consumer": True}
        exposition = (await http.get("/metrics")).text
    submitted_applied = sum(
        sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == "nigrani_events_handled_total"
        and sample.labels.get("group") == "routing"
        and ".request.submitted." in sample.labels.get("event_type", "")
    )
    assert submitted_applied >= handled
