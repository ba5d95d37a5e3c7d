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
from pymongo.errors import PyMongoError

from nigrani_routing.cases.documents import case_document, case_from_document
from nigrani_routing.cases.model import Case
from nigrani_routing.cases.repository import CasesRepository, change_id

logger = logging.getLogger(__name__)

Publish = Callable[[EventEnvelope], Awaitable[None]]
OnCommitted = Callable[[Case], None]

CONFLICTS = Counter(
    "nigrani_case_conflicts_total", "Case changes that lost a concurrent write race."
)
RELAYED = Counter("nigrani_case_changes_relayed_total", "Case changes announced by the relay.")


@dataclass(frozen=True)
class Loaded:
    case: Case
    attempts: list[Document]

    def attempt(self, attempt: str) -> Document | None:
        """What the snapshot remembers of `attempt`: its version and command fingerprint."""
        return next((a for a in self.attempts if a["attempt"] == attempt), None)

    def version_of(self, attempt: str) -> int | None:
        known = self.attempt(attempt)
        return None if known is None else int(known["version"])


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
        on_committed: OnCommitted | None = None,
    ) -> None:
        self._cases = cases
        self._publish = publish
        self._on_committed = on_committed or (lambda case: None)
        self._published_not_removed: set[str] = set()
        # Tests force interleavings here: after the change is stored, before the snapshot.
        self.between_writes: Callable[[], Awaitable[None]] | None = None

    async def load(self, request_id: str) -> Loaded | None:
        """The case at its latest version. The snapshot may lag the history (a writer
        between its change and its snapshot, or a slow writer's snapshot landing after a
        newer one): the next version is probed by `_id` and, if found, the snapshot is
        rolled forward and repaired, so no decision is ever made on a stale case."""
        document = await self._cases.snapshot(request_id)
        version = document.get("version", 1) if document else 0
        attempts: list[Document] = list(document.get("attempts") or ()) if document else []
        latest: Document | None = document
        while (change := await self._cases.change(request_id, version + 1)) is not None:
            version += 1
            latest = change["case"]
            attempts.insert(0, _remembered(change["attempt"], version, change))
        if latest is None:
            return None
        if latest is not document:
            await self._cases.save_snapshot(latest, attempts)
            self._on_committed(case_from_document(latest))
        return Loaded(case_from_document(latest), attempts)

    async def commit(
        self,
        loaded: Loaded | None,
        new: Case,
        event: EventEnvelope,
        attempt: str,
        fingerprint: str = "",
    ) -> Committed | Conflict:
        entry = await self._pending_entry(
            {
                "_id": attempt,
                "request_id": new.request_id,
                "version": new.version,
                "case": case_document(new),
                "event": encode_event(event).decode(),
                "fingerprint": fingerprint,
                "created_at": utc_now(),
            }
        )
        change = await self._cases.insert_change(_change_document(entry))
        if change.stored is None or change.stored["attempt"] != attempt:
            await self._cases.remove_pending(attempt)  # announces nothing: not its version
            return await self._lost_race(new.request_id, attempt)
        if not change.inserted:
            # The relay or a concurrent retry stored this attempt's change first: answer
            # from the stored change and let a load repair the snapshot in order.
            await self.load(new.request_id)
            await self._announce(entry)
            return _committed(change.stored, replayed=True)
        if self.between_writes is not None:
            await self.between_writes()
        attempts = [_remembered(attempt, entry["version"], entry)]
        if loaded is not None:
            attempts += loaded.attempts
        await self._cases.save_snapshot(entry["case"], attempts)
        committed = _committed(change.stored, replayed=False)
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
        return _committed(change, replayed=True)

    async def relay_round(self, grace: timedelta, limit: int = 200) -> int:
        """Finishes entries older than `grace` whose writer did not: returns how many."""
        finished = 0
        for entry in await self._cases.pending_older_than(utc_now() - grace, limit):
            change = await self._cases.insert_change(_change_document(entry))
            if change.stored is None or change.stored["attempt"] != entry["_id"]:
                await self._cases.remove_pending(entry["_id"])  # lost its race: no news
                continue
            await self.load(entry["request_id"])  # rolls the snapshot forward over it
            if await self._announce(entry):
                RELAYED.inc()
                finished += 1
        return finished

    async def _pending_entry(self, entry: Document) -> Document:
        """Our entry, or the one an earlier try of the same attempt left (its intent wins).
        An entry that vanishes between the duplicate key and the read was announced and
        removed by its writer: the insert is tried again, so a change is never stored
        without an entry that guarantees its announcement."""
        while True:
            pending = await self._cases.add_pending(entry)
            if pending.stored is not None:
                return pending.stored

    async def _announce(self, entry: Document) -> bool:
        """Publishes the entry's event, then removes the entry. If the store fails between
        the two, the entry stays (the relay will remove it) but this process remembers
        that Kafka has the event, so neither its relay nor a redelivery publishes it a
        second time; only a crash in that window can repeat it (same id)."""
        attempt = entry["_id"]
        if attempt not in self._published_not_removed:
            try:
                await self._publish(decode_event(entry["event"].encode()))
            except Exception as error:
                logger.warning(
                    "case change stored, announcement left to the relay",
                    extra={"request_id": entry["request_id"], "error_type": type(error).__name__},
                )
                return False
        try:
            await self._cases.remove_pending(attempt)
        except PyMongoError as error:
            self._published_not_removed.add(attempt)
            logger.warning(
                "case change announced, its outbox entry left to the relay",
                extra={"request_id": entry["request_id"], "error_type": type(error).__name__},
            )
            return True
        self._published_not_removed.discard(attempt)
        return True

    async def _lost_race(self, request_id: str, attempt: str) -> Committed | Conflict:
        """The latest case (the snapshot rolled forward); our own change among the newer
        ones makes this a replay."""
        loaded = await self.load(request_id)
        assert loaded is not None  # a change we lost to exists
        version = loaded.version_of(attempt)
        if version is not None:
            replayed = await self.replay(request_id, version, attempt)
            if replayed is not None:
                return replayed
        CONFLICTS.inc()
        return Conflict(loaded.case)


def _remembered(attempt: str, version: int, source: dict[str, Any]) -> Document:
    return {"attempt": attempt, "version": version, "fingerprint": source.get("fingerprint", "")}


def _committed(change: dict[str, Any], *, replayed: bool) -> Committed:
    return Committed(
        case_from_document(change["case"]), decode_event(change["event"].encode()), replayed
    )


def _change_document(entry: dict[str, Any]) -> Document:
    return {
        "_id": change_id(entry["request_id"], entry["version"]),
        "attempt": entry["_id"],
        "case": entry["case"],
        "event": entry["event"],
        "fingerprint": entry.get("fingerprint", ""),
        "created_at": entry["created_at"],
    }
