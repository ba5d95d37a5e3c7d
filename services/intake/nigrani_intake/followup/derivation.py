"""Deriving what a citizen action's outbox entry announces: its record, then the reference
to it (followup/repository.py). Both writes are idempotent, so the endpoint, its retry
and the relay (for an entry whose endpoint died) can all do them; the record written
first wins, and the reference is always taken from the stored record, never from the
caller's. The order matters: a reference never names a missing record, and a call that
died between the two is completed by whoever derives next (the relay while the entry is
pending; the citizen's retry, which references a record it finds, at any time)."""

from __future__ import annotations

from nigrani_shared.store.client import Document
from nigrani_shared.store.writes import InsertOutcome

from nigrani_intake.followup.documents import ENTRY_FIELD
from nigrani_intake.followup.repository import MessageReferences, MessagesRepository


class ActionDerivation:
    def __init__(self, *, messages: MessagesRepository, references: MessageReferences) -> None:
        self._messages = messages
        self._references = references

    async def derive(self, record: Document) -> InsertOutcome:
        outcome = await self._messages.derive(record)
        stored = outcome.stored
        assert stored is not None
        await self._references.add(stored)
        return outcome

    async def reference(self, stored: Document) -> None:
        """Completes a derivation that stored the record and died before its reference."""
        await self._references.add(stored)

    async def announces(self, entry: Document) -> bool:
        """For the relay: True when the stored record was derived from this very entry,
        so this entry announces the action; a retry's entry announces nothing."""
        outcome = await self.derive(entry[ENTRY_FIELD])
        assert outcome.stored is not None
        return bool(outcome.stored.get("attempt") == entry.get("attempt"))
