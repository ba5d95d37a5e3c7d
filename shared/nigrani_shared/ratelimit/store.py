"""Rate-limit counts shared by every replica: one small document per bucket and window.

`_id` is `"<bucket>:<window start>"`, so every operation is a filter on exactly one `_id`
(the only filter FerretDB serves from an index). The document holds one map per replica,
`{"r": {"<replica>": {"<client hash>": count}}}`, and each replica `$set`s only its own
map, with absolute counts.

Why not `$inc` into shared per-client counters: FerretDB v1.24 (SQLite backend) applies an
update as read, modify in Go, write the whole document back, with nothing in between to
stop another writer. Twelve concurrent `$inc`s of one field leave it at 3 to 7, and two
upserts that both find no document race to insert it (one gets a duplicate-key error). A
lost increment is lost for good. A lost `$set` of absolute counts is not: the writer sees
its map missing or stale on its next read and writes it again, so every replica's counts
reach the document within a sync round or two.
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

ReplicaCounts = dict[str, dict[str, int]]  # replica -> client hash -> count


def window_id(bucket: str, start: int) -> str:
    return f"{bucket}:{start}"


class WindowStore(Protocol):
    async def read(self, bucket: str, start: int) -> ReplicaCounts:
        """Every replica's counts in the window (empty if nobody wrote any)."""
        ...

    async def write(
        self, bucket: str, start: int, replica: str, counts: Mapping[str, int]
    ) -> ReplicaCounts:
        """Replaces this replica's counts in the window; returns every replica's counts."""
        ...

    async def delete(self, bucket: str, start: int) -> None: ...


class MongoWindowStore:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection

    async def read(self, bucket: str, start: int) -> ReplicaCounts:
        return _replica_counts(await self._collection.find_one({"_id": window_id(bucket, start)}))

    async def write(
        self, bucket: str, start: int, replica: str, counts: Mapping[str, int]
    ) -> ReplicaCounts:
        for attempt in range(UPSERT_ATTEMPTS):
            try:
                document = await self._collection.find_one_and_update(
                    {"_id": window_id(bucket, start)},
                    {"$set": {f"r.{replica}": dict(counts)}},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
                return _replica_counts(document)
            except DuplicateKeyError:
                # Another replica created the window's document first; it exists now, so
                # the retry updates it.
                if attempt == UPSERT_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    async def delete(self, bucket: str, start: int) -> None:
        await self._collection.delete_one({"_id": window_id(bucket, start)})


def _replica_counts(document: Document | None) -> ReplicaCounts:
    if document is None:
        return {}
    return {
        str(replica): {str(client): int(count) for client, count in counts.items()}
        for replica, counts in document.get("r", {}).items()
    }
