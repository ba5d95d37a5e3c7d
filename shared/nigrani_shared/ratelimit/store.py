"""Rate-limit counters shared by every replica: one small document per bucket and window.

`_id` is `"<bucket>:<window start>"` and the document holds one counter per client hash
(`{"c": {"<hash>": n}}`), so every operation is a filter on exactly one `_id` (the only
filter FerretDB serves from an index). A replica adds its deltas with one `$inc` upsert
that returns the document after the update, which gives it every client's global total in
the same round trip. Old windows are deleted by their exact `_id`, never by a range scan.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from nigrani_shared.store.client import Document

COLLECTION = "rate_limits"
UPSERT_ATTEMPTS = 3


def window_id(bucket: str, start: int) -> str:
    return f"{bucket}:{start}"


class WindowStore(Protocol):
    async def add(self, bucket: str, start: int, deltas: Mapping[str, int]) -> dict[str, int]:
        """Adds the deltas (possibly none) and returns every client's total in the window."""
        ...

    async def delete(self, bucket: str, start: int) -> None: ...


class MongoWindowStore:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection

    async def add(self, bucket: str, start: int, deltas: Mapping[str, int]) -> dict[str, int]:
        _id = window_id(bucket, start)
        if not deltas:
            document = await self._collection.find_one({"_id": _id})
            return _counts(document)
        increments = {f"c.{client}": count for client, count in deltas.items()}
        for attempt in range(UPSERT_ATTEMPTS):
            try:
                document = await self._collection.find_one_and_update(
                    {"_id": _id},
                    {"$inc": increments},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
                return _counts(document)
            except DuplicateKeyError:
                # Two replicas upserted the same new window at once and the other one
                # inserted it first: the document now exists, so the retry updates it.
                if attempt == UPSERT_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    async def delete(self, bucket: str, start: int) -> None:
        await self._collection.delete_one({"_id": window_id(bucket, start)})


def _counts(document: Document | None) -> dict[str, int]:
    if document is None:
        return {}
    counts = document.get("c", {})
    return {str(client): int(count) for client, count in counts.items()}
