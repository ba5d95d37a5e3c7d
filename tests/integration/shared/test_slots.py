"""Append-only slot lists on the real store: concurrent writers each keep their item, and
concurrent writers of one item (same identity) store it once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from nigrani_shared.store import slots
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from tests.support.infra import Infra

pytestmark = pytest.mark.integration

Document = dict[str, Any]


@pytest.fixture
async def collection(infra: Infra) -> AsyncIterator[AsyncCollection[Document]]:
    mongo: AsyncMongoClient[Document] = AsyncMongoClient(infra.mongodb_uri, tz_aware=True)
    try:
        yield mongo[f"t{uuid.uuid4().hex[:10]}_slots"]["items"]
    finally:
        await mongo.close()


async def test_concurrent_appends_each_keep_their_item(
    collection: AsyncCollection[Document],
) -> None:
    await asyncio.gather(*(slots.append(collection, "list", {"n": n}) for n in range(20)))
    items = await slots.read_all(collection, "list")
    assert sorted(item["n"] for item in items) == list(range(20))
    assert [item["_id"] for item in items] == [f"list:{s}" for s in range(20)]


async def test_concurrent_appends_of_one_item_store_it_once(
    collection: AsyncCollection[Document],
) -> None:
    async def add(n: int) -> Document:
        return await slots.append(collection, "list", {"id": f"item-{n % 5}"}, unique="id")

    stored = await asyncio.gather(*(add(n) for n in range(25)))
    items = await slots.read_all(collection, "list")
    assert sorted(item["id"] for item in items) == [f"item-{n}" for n in range(5)]
    assert {s["id"]: s["_id"] for s in stored} == {i["id"]: i["_id"] for i in items}


async def test_a_list_reads_through_slots_held_elsewhere(
    collection: AsyncCollection[Document],
) -> None:
    await collection.insert_many([{"_id": "list:1", "n": 1}, {"_id": "list:3", "n": 3}])
    assert await slots.read_all(collection, "list") == []
    assert [i["n"] for i in await slots.read_all(collection, "list", first=1)] == [1]
    held = await slots.read_all(collection, "list", first=1, held_elsewhere={2})
    assert [i["n"] for i in held] == [1, 3]
