"""The messages collection: one record per citizen action, `_id` = its message id.

The record is the action's durable acceptance (an action without text, a confirmation,
has one too) and the only place its text lives. Every read and write is by `_id`.
"""

from __future__ import annotations

from nigrani_shared.store.client import Document
from nigrani_shared.store.writes import InsertOutcome, insert_or_get
from pymongo.asynchronous.collection import AsyncCollection

COLLECTION = "messages"


class MessagesRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection

    async def get(self, message_id: str) -> Document | None:
        return await self._collection.find_one({"_id": message_id})

    async def derive(self, record: Document) -> InsertOutcome:
        """Stores the record unless one with its `_id` exists (records are never deleted,
        so `stored` is always set): the endpoint and the relay may race, the first wins."""
        outcome = await insert_or_get(self._collection, record)
        if outcome.stored is None:
            raise LookupError(f"message {record['_id']} vanished")
        return outcome
