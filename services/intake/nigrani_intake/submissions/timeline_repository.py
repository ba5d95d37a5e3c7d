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

Entries never change once stored (the first insert of a version wins), so each process
remembers the entries it has read, for the most recently read requests, and asks the store
only for the versions after them: a view costs the request and one probe, not one read per
entry.
"""

from __future__ import annotations

from collections import OrderedDict

from nigrani_shared.store import slots
from nigrani_shared.store.client import Document
from nigrani_shared.store.writes import insert_or_get
from pymongo.asynchronous.collection import AsyncCollection

from nigrani_intake.submissions import timeline

COLLECTION = "timeline"
#: The first version stored here: routing creates the case at version 1 when it routes it.
FIRST_VERSION = 1
#: Requests whose settled entries a process remembers (a few hundred bytes each).
REMEMBERED_REQUESTS = 20_000


class TimelineRepository:
    def __init__(
        self, collection: AsyncCollection[Document], *, remembered: int = REMEMBERED_REQUESTS
    ) -> None:
        self._collection = collection
        self._remembered = remembered
        self._settled: OrderedDict[str, list[Document]] = OrderedDict()

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

    async def entries(
        self, request: Document, prefetched: list[Document] | None = None
    ) -> list[timeline.Entry]:
        """The request's timeline, oldest first (timeline.ordered). `prefetched` is what
        `stored_entries` read while the request itself was being read; it is used unless
        the request holds versions of its own in the older layout."""
        legacy: dict[str, timeline.Entry] = request.get("timeline") or {}
        held = {timeline.case_version(e) for e in legacy.values()}
        code: str = request["_id"]
        if prefetched is not None and all(v < FIRST_VERSION for v in held):
            stored = prefetched
        else:
            stored = await self._read_after_settled(code, held)
        versions = {timeline.case_version(e) for e in stored}
        kept = {k: e for k, e in legacy.items() if timeline.case_version(e) not in versions}
        return timeline.ordered({**kept, **{e["_id"]: e for e in stored}})

    async def stored_entries(self, tracking_code: str) -> list[Document]:
        """The entries stored here, without the request: read at the same time as the
        request, so a view costs one round trip of latency, not two."""
        return await self._read_after_settled(tracking_code, set())

    async def _read_after_settled(self, code: str, held: set[int]) -> list[Document]:
        settled = self._settled.get(code, [])
        first = settled[-1]["case_version"] + 1 if settled else FIRST_VERSION
        stored = settled + await slots.read_all(
            self._collection, code, first=first, held_elsewhere=held
        )
        self._remember(code, stored)
        return stored

    def _remember(self, code: str, stored: list[Document]) -> None:
        if not stored:
            return
        self._settled[code] = stored
        self._settled.move_to_end(code)
        while len(self._settled) > self._remembered:
            self._settled.popitem(last=False)
