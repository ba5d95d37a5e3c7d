"""Deriving what a citizen action's outbox entry announces: its record, and the reference
to it on the request. Both writes are idempotent, so the endpoint, its retry and the relay
(for an entry whose endpoint died) can all do them; the record written first wins, and the
reference is always taken from the stored record, never from the caller's."""

from __future__ import annotations

from nigrani_shared.store.client import Document
from nigrani_shared.store.writes import InsertOutcome

from nigrani_intake.followup.documents import ENTRY_FIELD, message_ref
from nigrani_intake.followup.repository import MessagesRepository
from nigrani_intake.submissions.repository import RequestsRepository


class ActionDerivation:
    def __init__(self, *, messages: MessagesRepository, requests: RequestsRepository) -> None:
        self._messages = messages
        self._requests = requests

    async def derive(self, record: Document) -> InsertOutcome:
        outcome = await self._messages.derive(record)
        stored = outcome.stored
        assert stored is not None
        await self._requests.record_message(
            stored["request_id"], stored["_id"], message_ref(stored)
        )
        return outcome

    async def announces(self, entry: Document) -> bool:
        """For the relay: True when the stored record was derived from this very entry,
        so this entry announces the action; a retry's entry announces nothing."""
        outcome = await self.derive(entry[ENTRY_FIELD])
        assert outcome.stored is not None
        return bool(outcome.stored.get("attempt") == entry.get("attempt"))
