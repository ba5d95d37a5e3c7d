"""Erasing a citizen's contact details, and the internal look-up of them.

Where contact details live, and why there: only in intake's request document (and, until
Kafka acknowledged the submission, in its outbox entry's copy). Not in a compacted topic:
compaction removes a superseded value only after the segment rolls and the cleaner runs,
so an erased phone number would stay readable for hours, and every consumer that copied
it would need its own erasure. One copy behind an authenticated internal look-up
(`GET /internal/v1/requests/{id}/contact`) is erased completely the moment the citizen
asks; services that need the details (notify) ask at send time and keep no copy beyond
what they are told to forget by `request.contact_erased`.

Erasure first removes the details (from the request, then from a still-pending submission
entry's copy), then writes the outbox entry of `request.contact_erased`, built from the
erasure time the request records. Every call does every step, each idempotent, so a call
interrupted anywhere is finished by the citizen's retry; a repeated call announces the same
event again (same id and content), which consumers recognise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pymongo
from nigrani_shared.clock import utc_now
from nigrani_shared.events import ContactErased, derived_event_id, new_event
from nigrani_shared.store.client import Document

from nigrani_intake.outbox.repository import OutboxRepository
from nigrani_intake.outbox.signal import OutboxSignal
from nigrani_intake.submissions.documents import EVENT_SOURCE, outbox_entry
from nigrani_intake.submissions.repository import RequestsRepository


class UnknownRequestError(LookupError):
    """No request has this tracking code."""


@dataclass(frozen=True)
class Erasure:
    erased_at: datetime
    already_erased: bool


class ContactService:
    def __init__(
        self,
        *,
        requests: RequestsRepository,
        outbox: OutboxRepository,
        signal: OutboxSignal,
        topic: str,
        store_timeout_seconds: float,
    ) -> None:
        self._requests = requests
        self._outbox = outbox
        self._signal = signal
        self._topic = topic
        self._store_timeout = store_timeout_seconds

    async def erase(self, request: Document) -> Erasure:
        """`request` is the citizen's own, as read by dependencies.CitizenRequest."""
        with pymongo.timeout(self._store_timeout):  # a frozen store answers 503, in time
            return await self._erase(request)

    async def _erase(self, request: Document) -> Erasure:
        tracking_code: str = request["_id"]
        already: datetime | None = request.get("contact_erased_at")
        erased_at = already or utc_now()
        if already is None:
            await self._requests.erase_contact(tracking_code, erased_at)
        submission_pending = await self._outbox.forget_contact(
            derived_event_id(tracking_code, "submitted")
        )
        event = new_event(
            ContactErased(request_id=tracking_code, erased_at=erased_at),
            subject=tracking_code,
            source=EVENT_SOURCE,
            event_id=derived_event_id(tracking_code, "contact-erased"),
        )
        entry = outbox_entry(event, topic=self._topic, attempt=event.id)
        await self._outbox.add_or_get(entry)
        if submission_pending:
            # Not published at once: the relay takes entries oldest first, so the request's
            # submitted event reaches the topic before the news of its erasure.
            self._signal.written.set()
        else:
            self._signal.request_stored(entry["_id"], entry["attempt"])
        return Erasure(erased_at=erased_at, already_erased=already is not None)

    async def contact_of(self, tracking_code: str) -> Document:
        """The contact details for a service that must reach the citizen (None if there
        are none or they were erased)."""
        with pymongo.timeout(self._store_timeout):
            request = await self._requests.get(tracking_code)
        if request is None:
            raise UnknownRequestError(tracking_code)
        return {
            "request_id": tracking_code,
            "contact": request.get("contact"),
            "erased": request.get("contact_erased_at") is not None,
        }
