"""Committing a case change so that it is ordered, never lost and announced once.

The order of writes is the whole design (see repository.py for the collections):

1. outbox entry, `_id` = attempt: the intent, durable before anything else;
2. history change "<id>:<version>" carrying the attempt: the compare-and-set. If another
   attempt owns that version, this one lost the race: its entry is removed (it announces
   nothing) and the caller gets the latest case for a 409;
3. snapshot: the new version becomes the one-read view of the case;
4. publish, then remove the entry. If Kafka is down the change stands and the relay
   announces it later; the change's event id is derived from (case, version), so a second
   announcement is recognised downstream.

A crash between any two steps leaves the entry, and the relay finishes the job. The
attempt id is derived from the client's Idempotency-Key (or the consumed event's id), so
a retry finds its own change instead of making a second one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from nigrani_shared.clock import utc_now
from nigrani_shared.events import EventEnvelope, decode_event, encode_event
from nigrani_shared.store.client import Document
from prometheus_client import Counter

from nigrani_routing.cases.documents import case_document, case_from_document
from nigrani_routing.cases.model import Case
from nigrani_routing.cases.repository import CasesRepository, change_id

logger = logging.getLogger(__name__)

Publish = Callable[[EventEnvelope], Awaitable[None]]
Committed_ = Callable[[Case], None]

CONFLICTS = Counter(
    "nigrani_case_conflicts_total", "Case changes that lost a concurrent write race."
)
RELAYED = Counter("nigrani_case_changes_relayed_total", "Case changes announced by the relay.")


@dataclass(frozen=True)
class Loaded:
    case: Case
    attempts: list[Document]

    def version_of(self, attempt: str) -> int | None:
        return next((a["version"] for a in self.attempts if a["attempt"] == attempt), None)


@dataclass(frozen=True)
class Committed:
    case: Case
    event: EventEnvelope
    replayed: bool


@dataclass(frozen=True)
class Conflict:
    latest: Case


class CaseLedger:
    def __init__(
        self,
        cases: CasesRepository,
        publish: Publish,
        *,
        on_committed: Committed_ | None = None,
    ) -> None:
        self._cases = cases
        self._publish = publish
        self._on_committed = on_committed or (lambda case: None)
        # Tests force interleavings here: after the change is stored, before the snapshot.
        self.between_writes: Callable[[], Awaitable[None]] | None = None

    async def load(self, request_id: str) -> Loaded | None:
        document = await self._cases.snapshot(request_id)
        if document is None:
            return None
        return Loaded(case_from_document(document), list(document.get("attempts") or ()))

    async def commit(
        self, loaded: Loaded | None, new: Case, event: EventEnvelope, attempt: str
    ) -> Committed | Conflict:
        entry: Document = {
            "_id": attempt,
            "request_id": new.request_id,
            "version": new.version,
            "case": case_document(new),
            "event": encode_event(event).decode(),
            "created_at": utc_now(),
        }
        pending = await self._cases.add_pending(entry)
        if pending.stored is not None:
            entry = pending.stored  # a retry of an attempt already under way: its intent
        change = await self._cases.insert_change(_change_document(entry))
        if change.stored is None or change.stored["attempt"] != attempt:
            await self._cases.remove_pending(attempt)
            return await self._lost_race(new.request_id, attempt)
        if self.between_writes is not None:
            await self.between_writes()
        attempts = [{"attempt": attempt, "version": entry["version"]}]
        if loaded is not None:
            attempts += loaded.attempts
        await self._cases.save_snapshot(entry["case"], attempts)
        committed = Committed(
            case_from_document(entry["case"]),
            decode_event(entry["event"].encode()),
            replayed=not change.inserted,
        )
        self._on_committed(committed.case)
        await self._announce(entry)
        return committed

    async def replay(self, request_id: str, version: int, attempt: str) -> Committed | None:
        """The change an earlier try of `attempt` made, announced if it was not yet."""
        change = await self._cases.change(request_id, version)
        if change is None:
            return None
        pending = await self._cases.pending(attempt)
        if pending is not None:
            await self._announce(pending)
        return Committed(
            case_from_document(change["case"]), decode_event(change["event"].encode()), True
        )

    async def relay_round(self, grace: timedelta, limit: int = 200) -> int:
        """Finishes entries older than `grace` whose writer did not: returns how many."""
        finished = 0
        for entry in await self._cases.pending_older_than(utc_now() - grace, limit):
            change = await self._cases.insert_change(_change_document(entry))
            if change.stored is None or change.stored["attempt"] != entry["_id"]:
                await self._cases.remove_pending(entry["_id"])  # lost its race: no news
                continue
            snapshot = await self._cases.snapshot(entry["request_id"])
            if snapshot is None or snapshot.get("version", 1) < entry["version"]:
                attempts = [{"attempt": entry["_id"], "version": entry["version"]}]
                await self._cases.save_snapshot(entry["case"], attempts)
                self._on_committed(case_from_document(entry["case"]))
            if await self._announce(entry):
                RELAYED.inc()
                finished += 1
        return finished

    async def _announce(self, entry: Document) -> bool:
        try:
            await self._publish(decode_event(entry["event"].encode()))
        except Exception as error:
            logger.warning(
                "case change stored, announcement left to the relay",
                extra={"request_id": entry["request_id"], "error_type": type(error).__name__},
            )
            return False
        await self._cases.remove_pending(entry["_id"])
        return True

    async def _lost_race(self, request_id: str, attempt: str) -> Committed | Conflict:
        """Rolls the snapshot forward over newer changes; our own among them is a replay."""
        document = await self._cases.snapshot(request_id)
        version = document.get("version", 1) if document else 0
        attempts: list[Document] = list(document.get("attempts") or ()) if document else []
        latest = document
        mine: Document | None = None
        while (change := await self._cases.change(request_id, version + 1)) is not None:
            version += 1
            latest = change["case"]
            attempts.insert(0, {"attempt": change["attempt"], "version": version})
            if change["attempt"] == attempt:
                mine = change
        assert latest is not None  # a change we lost to exists
        if latest is not document:
            await self._cases.save_snapshot(latest, attempts)
            self._on_committed(case_from_document(latest))
        if mine is not None:
            return Committed(
                case_from_document(mine["case"]), decode_event(mine["event"].encode()), True
            )
        CONFLICTS.inc()
        return Conflict(case_from_document(latest))


def _change_document(entry: dict[str, Any]) -> Document:
    return {
        "_id": change_id(entry["request_id"], entry["version"]),
        "attempt": entry["_id"],
        "case": entry["case"],
        "event": entry["event"],
        "created_at": entry["created_at"],
    }
