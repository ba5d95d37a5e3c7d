"""Deriving what a submission's outbox entry announces, for the relay: the request, if the
endpoint died before writing it. The stored request names the attempt whose entry it was
derived from; an entry of any other attempt (a replay's, or one whose code turned out to
be somebody else's) announces nothing and is cleared unpublished."""

from __future__ import annotations

from nigrani_shared.store.client import Document

from nigrani_intake.submissions.metrics import count_created
from nigrani_intake.submissions.repository import RequestsRepository

#: The entry field holding the request the relay derives before publishing.
ENTRY_FIELD = "request"


class SubmissionDerivation:
    def __init__(self, requests: RequestsRepository) -> None:
        self._requests = requests

    async def announces(self, entry: Document) -> bool:
        request: Document = entry[ENTRY_FIELD]
        derived = await self._requests.derive(request)
        stored = derived.stored
        assert stored is not None
        if derived.inserted:
            count_created(stored)
        return bool(
            stored.get("attempt") == entry.get("attempt")
            and stored["key_hash"] == request["key_hash"]
        )
