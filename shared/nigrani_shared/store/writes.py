"""Insert-or-get: the one compare-and-set every service builds on.

A unique `_id` insert is the only compare-and-set that every store we run on serves from an
index (stock FerretDB v1.24 even scans the whole collection to learn that an `_id` is
missing; deploy/local adds the index it lacks, but other FerretDB deployments may not
have it). So "does this exist?" is asked by inserting: the insert either wins, or a
duplicate-key error says somebody else won, and the stored document is then read by `_id`.
Two concurrent upserts of one `_id` can both miss and one fail with a duplicate key, so
upserts are never used for this.
"""

from __future__ import annotations

from dataclasses import dataclass

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from nigrani_shared.store.client import Document

DUPLICATE_KEY = 11000


@dataclass(frozen=True)
class InsertOutcome:
    """`stored` is what the collection holds under the `_id` (None only when a document
    that blocked the insert was deleted before it could be read); `inserted` says whether
    this call wrote it."""

    stored: Document | None
    inserted: bool


async def insert_or_get(collection: AsyncCollection[Document], document: Document) -> InsertOutcome:
    try:
        await collection.insert_one(dict(document))  # a copy: insert_one adds fields in place
        return InsertOutcome(stored=document, inserted=True)
    except DuplicateKeyError:
        return InsertOutcome(
            stored=await collection.find_one({"_id": document["_id"]}), inserted=False
        )


async def insert_new(collection: AsyncCollection[Document], documents: list[Document]) -> None:
    """Inserts, in one round trip, every document whose `_id` is not taken; taken ones are
    left as they are (a repeated batch finds its own documents, as insert_or_get does)."""
    try:
        await collection.insert_many([dict(document) for document in documents], ordered=False)
    except BulkWriteError as failure:
        if not only_duplicates(failure):
            raise


def only_duplicates(failure: BulkWriteError) -> bool:
    return all(error["code"] == DUPLICATE_KEY for error in failure.details["writeErrors"])
