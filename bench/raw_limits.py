"""The ceilings our numbers are compared with: a bare producer and a bare store insert."""

from __future__ import annotations

import asyncio
import time
import uuid

from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient

from bench.stats import Rate

PAYLOAD = b"x" * 700  # about the size of a request.submitted envelope


async def bare_producer(bootstrap: str, *, messages: int) -> Rate:
    """Idempotent, acks=all, linger 5 ms: the same producer settings as ours."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, enable_idempotence=True, linger_ms=5, max_batch_size=65536
    )
    await producer.start()
    topic = f"bench-raw-{uuid.uuid4().hex[:8]}"
    try:
        await producer.send_and_wait(topic, PAYLOAD)  # metadata and topic creation
        started = time.perf_counter()
        futures = [
            await producer.send(topic, PAYLOAD, key=str(n).encode()) for n in range(messages)
        ]
        await asyncio.gather(*futures)
        return Rate(messages, time.perf_counter() - started)
    finally:
        await producer.stop()


async def bare_insert(uri: str, *, documents: int, concurrency: int) -> Rate:
    """insert_one calls with `concurrency` in flight, like concurrent HTTP submissions."""
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(uri)
    collection = client[f"bench_raw_{uuid.uuid4().hex[:8]}"]["inserts"]
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(documents):
        queue.put_nowait(n)

    async def worker() -> None:
        while not queue.empty():
            n = queue.get_nowait()
            await collection.insert_one({"_id": f"doc-{n}", "body": "x" * 700})

    try:
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return Rate(documents, time.perf_counter() - started)
    finally:
        await client.drop_database(collection.database.name)
        await client.close()
