"""The deadlines collection: one insert-only document per generation of a request's due
times, `_id` = "<tracking code>:<generation>" (generations count from 1).

Read like the timeline (submissions/timeline_repository.py): by `_id`, generation after
generation until the first missing one, never by a query on the request (any filter but
`_id` scans the collection on FerretDB), with each process remembering what it has folded
so far, so a status read costs one probe for the next generation. Generations never change
once stored, so what a process remembers stays true.

The latest generation must win however the events arrive. A redelivered generation meets
its own `_id` (the first stored wins). A newer generation that arrives while an older one
is missing (the older dead-lettered and replayed later, or never sent) would leave a gap
that stops the walk, so the writer fills the slots below it first with SUPERSEDED markers:
the walk passes over them, and the older generation, if it ever arrives, meets its marker
and is dropped. The slots are therefore always filled from 1 upwards without a hole, which
is why the writer looks for the first missing slot from below (a writer stopped halfway
leaves a shorter filled prefix, never a hole).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from nigrani_shared.store import slots
from nigrani_shared.store.client import Document
from nigrani_shared.store.writes import insert_or_get
from pymongo.asynchronous.collection import AsyncCollection

from nigrani_intake.delay.deadline import SUPERSEDED, DeadlineState, fold

COLLECTION = "deadlines"
FIRST_GENERATION = 1
#: The most slots one generation may mark superseded: a larger jump is a producer's bug,
#: dead-lettered rather than written as thousands of markers.
MAX_GAP = 1_000
#: Requests whose folded deadline a process remembers (about a hundred bytes each).
REMEMBERED_REQUESTS = 20_000


@dataclass(frozen=True)
class _Known:
    """What a process has read of one request: the fold so far, and the next slot."""

    state: DeadlineState | None
    next_slot: int


class DeadlinesRepository:
    def __init__(
        self, collection: AsyncCollection[Document], *, remembered: int = REMEMBERED_REQUESTS
    ) -> None:
        self._collection = collection
        self._remembered = remembered
        self._known: OrderedDict[str, _Known] = OrderedDict()

    async def add(self, tracking_code: str, event_id: str, generation: Document) -> bool:
        """Stores a generation (the fields the public view reads, `generation` among them)
        unless its slot is taken; True if this call stored it. Slots below it that are
        still empty are marked SUPERSEDED first.

        A process that remembers the request starts from the slot after the last it knows
        (one insert, no read, for the usual next generation); memory only ever lags the
        store, so a slot it believes empty and finds taken is simply left as it is."""
        number: int = generation["generation"]
        known = self._known.get(tracking_code) or await self._read(tracking_code)
        if known.next_slot > number:
            return False  # stored already, or overtaken by a newer generation
        if number - known.next_slot > MAX_GAP:
            raise ValueError(f"generation {number} jumps more than {MAX_GAP} past the stored")
        written: list[Document] = []
        for slot in range(known.next_slot, number):
            written.append(_superseded(tracking_code, slot))
        written.append(
            {
                **generation,
                "_id": slots.slot_id(tracking_code, number),
                "request_id": tracking_code,
                "event_id": event_id,
            }
        )
        outcomes = [(await insert_or_get(self._collection, d)).inserted for d in written]
        if all(outcomes):
            self._remember(tracking_code, _Known(fold(known.state, written), number + 1))
        return outcomes[-1]

    async def state(self, tracking_code: str) -> DeadlineState | None:
        """The latest generation folded with the earlier ones; None before the first."""
        return (await self._read(tracking_code)).state

    async def _read(self, code: str) -> _Known:
        known = self._known.get(code) or _Known(state=None, next_slot=FIRST_GENERATION)
        found = await slots.read_all(self._collection, code, first=known.next_slot)
        if found:
            known = _Known(state=fold(known.state, found), next_slot=known.next_slot + len(found))
            self._remember(code, known)
        return known

    def _remember(self, code: str, known: _Known) -> None:
        self._known[code] = known
        self._known.move_to_end(code)
        while len(self._known) > self._remembered:
            self._known.popitem(last=False)


def _superseded(code: str, slot: int) -> Document:
    return {"_id": slots.slot_id(code, slot), "request_id": code, "kind": SUPERSEDED}


def generation_document(
    *,
    generation: int,
    cause: str,
    first_response_due_at: datetime | None,
    resolution_due_at: datetime | None,
    paused: bool,
    stopped: bool,
    set_at: datetime,
) -> Document:
    """The stored generation: an allow-list of what the public view reads."""
    return {
        "kind": "generation",
        "generation": generation,
        "cause": cause,
        "first_response_due_at": first_response_due_at,
        "resolution_due_at": resolution_due_at,
        "paused": paused,
        "stopped": stopped,
        "set_at": set_at,
    }
