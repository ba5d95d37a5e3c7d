"""The messages collection: one record per citizen action, `_id` = its message id; and the
references to a request's records, which the private view reads.

The record is the action's durable acceptance (an action without text, a confirmation,
has one too) and the only place its text lives. The references are an append-only list
(nigrani_shared.store.slots) in `message_refs`, `_id` = "<tracking code>:<slot>": not a
map on the request document, because the store applies an update by reading the whole
document and writing it back, so concurrent actions (and the timeline consumer, and the
contact erasure) would lose each other's changes; an insert is never lost. Every read and
write is by `_id`.
"""

from __future__ import annotations

from nigrani_shared.store import slots
from nigrani_shared.store.client import Document
from nigrani_shared.store.writes import InsertOutcome, insert_or_get
from pymongo.asynchronous.collection import AsyncCollection

from nigrani_intake.followup.documents import message_ref

COLLECTION = "messages"
REFERENCES = "message_refs"


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


class MessageReferences:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection

    async def add(self, record: Document) -> None:
        """References a stored record unless it is referenced already: idempotent, and two
        concurrent calls for one record store one reference (see slots.append)."""
        await slots.append(
            self._collection, record["request_id"], message_ref(record), unique="message_id"
        )

    async def message_ids(self, request: Document) -> list[str]:
        """The request's message ids, oldest reference first. Requests stored before this
        layout keep theirs in a `citizen_messages` map on the request; both are read."""
        stored = await slots.read_all(self._collection, request["_id"])
        legacy: dict[str, Document] = request.get("citizen_messages") or {}
        return list(dict.fromkeys([*legacy, *(ref["message_id"] for ref in stored)]))
