"""The dispatcher's rig (tests/support/dispatch_rig.py) for every notify integration test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from nigrani_shared.kafka.producer_handle import ProducerHandle
from nigrani_shared.kafka.topics import ensure_topics
from pymongo import AsyncMongoClient

from tests.support.dispatch_rig import Document, Gateway, Rig
from tests.support.infra import Infra
from tests.support.notify import notify_settings


@pytest.fixture
async def rig(infra: Infra) -> AsyncIterator[Rig]:
    settings = notify_settings(infra, f"t{uuid.uuid4().hex[:10]}", retry_attempts=4)
    await ensure_topics(
        infra.kafka_bootstrap_servers, [settings.lifecycle_topic], settings.topic_layout
    )
    mongo: AsyncMongoClient[Document] = AsyncMongoClient(infra.mongodb_uri, tz_aware=True)
    producer = ProducerHandle(infra.kafka_bootstrap_servers, client_id="test-notify-dispatch")
    try:
        yield Rig(settings, mongo[settings.database_name], producer, Gateway())
    finally:
        await producer.close()
        await mongo.close()
