"""The timeline collection: one insert-only document per case version of a request,
`_id` = "<tracking code>:<case version>" (request.routed is version 1; each
request.status_changed carries its own).

Why not on the request document: the store (FerretDB) applies an update by reading the
whole document and writing it back, so a timeline `$set` racing the contact erasure could
write an erased phone number back, and two writers of one document can lose an entry.
The request document is written once at submission and afterwards only erased; each
timeline entry is its own insert, which the store never loses.

A redelivered event, or a change announced again under a new event id, meets its own
version's `_id`: one entry, the first stored. The entries are read by `_id` version by
version (nigrani_shared.store.slots) until the first missing one, never by a query on
the request (any filter but `_id` scans the collection). Routing numbers case versions
without gaps, so nothing is skipped; an event that arrives before an older one (after a
rebalance, a dead letter replayed later) is stored at once but shown only once the
versions before it are there. Entries stored on the request itself before this layout
(its `timeline` map, keyed by event id; it still holds the submitted entry, version 0)
are read as before and fill their versions' places.
"""

from __future__ import annotations

from nigrani_shared.store import slots
from nigrani_shared.store.client import Document
from nigrani_shared.store.writes import insert_or_get
from pymongo.asynchronous.collection import AsyncCollection

from nigrani_intake.submissions import timeline

COLLECTION = "timeline"
#: The first version stored here: routing creates the case at version 1 when it routes it.
FIRST_VERSION = 1


class TimelineRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection

    async def add(self, tracking_code: str, event_id: str, entry: timeline.Entry) -> bool:
        """Stores the entry of its case version unless one is there; True if this call
        stored it."""
        version = entry["case_version"]
        document = {
            **entry,
            "_id": slots.slot_id(tracking_code, version),
            "request_id": tracking_code,
            "event_id": event_id,
        }
        return (await insert_or_get(self._collection, document)).inserted

    async def entries(self, request: Document) -> list[timeline.Entry]:
        """The request's timeline, oldest first (timeline.ordered)."""
        legacy: dict[str, timeline.Entry] = request.get("timeline") or {}
        stored = await slots.read_all(
            self._collection,
            request["_id"],
            first=FIRST_VERSION,
            held_elsewhere={timeline.case_version(e) for e in legacy.values()},
        )
        versions = {timeline.case_version(e) for e in stored}
        kept = {k: e for k, e in legacy.items() if timeline.case_version(e) not in versions}
        return timeline.ordered({**kept, **{e["_id"]: e for e in stored}})
