"""Accepting a citizen's action so that a 202 always means "durable and on its way to
routing", and a retry with the same key is the same action.

First the action is looked up by its ids (derived from code and key): an outbox entry
pending under its event id (an earlier call got that far: its record is derived from the
entry now, since the relay publishes it whatever the case has done meanwhile), or else its
stored record. Found, this is a retry, answered as before whatever the case has done
since; the outbox is read first because an entry is cleared only after its record is
stored, so an action missing from both was never accepted. Otherwise intake's read model
must show the action open (409 if not), and then two writes, as for a submission: the
outbox entry first (the durability point; from here the relay derives the record if need
be and publishes the event), then the record and its reference, derived from the entry
pending under the event id (ours, or a concurrent retry's). The record names the attempt
it was derived from: the call whose attempt that is answers 202, every other call answers
202 with `Idempotent-Replayed: true`, and an entry written by a retry after the first was
published announces nothing and is cleared, so a retry never emits a second event.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pymongo
from nigrani_shared.clock import utc_now
from nigrani_shared.store.client import Document
from pymongo.errors import PyMongoError

from nigrani_intake.catalog.service import Catalog
from nigrani_intake.delay.repository import DeadlinesRepository
from nigrani_intake.followup import rules
from nigrani_intake.followup.derivation import ActionDerivation
from nigrani_intake.followup.documents import (
    ENTRY_FIELD,
    ActionIds,
    action_fingerprint,
    action_ids,
    build_action,
)
from nigrani_intake.followup.private_view import to_private_view
from nigrani_intake.followup.repository import MessageReferences, MessagesRepository
from nigrani_intake.followup.schemas import ActionAccepted, MessageInternal, RequestPrivate
from nigrani_intake.notifications.repository import NotificationsRepository
from nigrani_intake.outbox.repository import OutboxRepository
from nigrani_intake.outbox.signal import OutboxSignal
from nigrani_intake.submissions import timeline
from nigrani_intake.submissions.errors import OutcomeUnknownError, SubmissionRejectedError
from nigrani_intake.submissions.identity import random_idempotency_key
from nigrani_intake.submissions.public_view import public_status
from nigrani_intake.submissions.timeline_repository import TimelineRepository


class ActionNotOpenError(Exception):
    """Intake's read model says the action is not open now (409, with what is)."""

    def __init__(self, state: str, opened: tuple[rules.OpenAction, ...]) -> None:
        super().__init__(state)
        self.state = state
        self.opened = opened


@dataclass(frozen=True)
class ActionOutcome:
    accepted: ActionAccepted
    replayed: bool


@dataclass(frozen=True)
class _Asked:
    request: Document
    action: rules.CitizenAction
    text: str | None
    ids: ActionIds


class FollowUpService:
    def __init__(
        self,
        *,
        catalog: Catalog,
        messages: MessagesRepository,
        references: MessageReferences,
        timeline_entries: TimelineRepository,
        deadlines: DeadlinesRepository,
        notifications: NotificationsRepository,
        derivation: ActionDerivation,
        outbox: OutboxRepository,
        signal: OutboxSignal,
        secret: bytes,
        topic: str,
        windows: rules.Windows,
        store_timeout_seconds: float,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._catalog = catalog
        self._messages = messages
        self._references = references
        self._timeline = timeline_entries
        self._deadlines = deadlines
        self._notifications = notifications
        self._derivation = derivation
        self._outbox = outbox
        self._signal = signal
        self._secret = secret
        self._topic = topic
        self._windows = windows
        self._store_timeout = store_timeout_seconds
        self._clock = clock

    def _open_actions(self, case: timeline.CaseState) -> tuple[rules.OpenAction, ...]:
        return rules.open_actions(case.state, case.resolved_at, self._clock(), self._windows)

    async def private_view(self, request: Document) -> RequestPrivate:
        with pymongo.timeout(self._store_timeout):
            entries, ids, deadline, notifications = await asyncio.gather(
                self._timeline.entries(request),
                self._references.message_ids(request),
                self._deadlines.state(request["_id"]),
                self._notifications.entries(request["_id"]),
            )
            found = await asyncio.gather(*(self._messages.get(i) for i in ids))
        return to_private_view(
            request,
            self._catalog,
            entries=entries,
            deadline=deadline,
            now=self._clock(),
            messages=[m for m in found if m is not None],
            notifications=notifications,
            opened=self._open_actions(timeline.current(entries)),
        )

    async def message(self, tracking_code: str, message_id: str) -> MessageInternal | None:
        """A citizen's message by id, if it belongs to this request."""
        with pymongo.timeout(self._store_timeout):
            found = await self._messages.get(message_id)
        if found is None or found["request_id"] != tracking_code:
            return None
        return MessageInternal(
            request_id=tracking_code,
            message_id=message_id,
            action=found["action"],
            text=found["text"],
            acted_at=found["acted_at"],
        )

    async def act(
        self,
        request: Document,
        action: rules.CitizenAction,
        text: str | None,
        idempotency_key: str | None,
    ) -> ActionOutcome:
        key = idempotency_key or random_idempotency_key()
        asked = _Asked(request, action, text, action_ids(self._secret, request["_id"], key))
        try:
            with pymongo.timeout(self._store_timeout):
                return await self._act(asked)
        except PyMongoError as error:
            raise OutcomeUnknownError(key) from error

    async def _act(self, asked: _Asked) -> ActionOutcome:
        earlier = await self._earlier(asked.ids)
        if earlier is not None:
            return self._answer(asked, earlier, replayed=True)
        case = timeline.current(await self._timeline.entries(asked.request))
        opened = self._open_actions(case)
        if not rules.is_open(asked.action, opened):
            raise ActionNotOpenError(public_status(case.state), opened)
        attempt = uuid.uuid4().hex
        documents = build_action(
            tracking_code=asked.request["_id"],
            ids=asked.ids,
            action=asked.action,
            text=asked.text,
            acted_at=self._clock(),
            topic=self._topic,
            attempt=attempt,
        )
        stored = await self._store(documents.outbox_entry, attempt)
        return self._answer(asked, stored, replayed=stored.get("attempt") != attempt)

    async def _earlier(self, ids: ActionIds) -> Document | None:
        """The record of an earlier call of this action, completed where that call died:
        derived from its entry if still pending, referenced if the reference is missing."""
        pending = await self._outbox.get(ids.event_id)
        if pending is not None:
            derived = await self._derivation.derive(pending[ENTRY_FIELD])
            if derived.inserted:
                self._signal.request_stored(pending["_id"], pending["attempt"])
            return derived.stored
        stored = await self._messages.get(ids.message_id)
        if stored is not None:
            await self._derivation.reference(stored)
        return stored

    async def _store(self, entry: Document, attempt: str) -> Document:
        """Writes the entry, then the record derived from the pending entry; returns the
        stored record."""
        pending = (await self._outbox.add_or_get(entry)).stored
        if pending is None:
            # The pending entry was published and cleared after our insert met it; the
            # record is derived before an entry is cleared, so it is there to read.
            stored = await self._messages.get(entry[ENTRY_FIELD]["_id"])
            if stored is None:
                raise LookupError("outbox entry cleared without its message")
            return stored
        derived = await self._derivation.derive(pending[ENTRY_FIELD])
        stored = derived.stored
        assert stored is not None
        if derived.inserted:
            self._signal.request_stored(pending["_id"], pending["attempt"])
        elif pending["attempt"] == attempt and stored.get("attempt") != attempt:
            # Our own entry, written after another attempt's was published: it announces
            # nothing (records are never deleted), so it is cleared now, matched by attempt.
            await self._outbox.remove_attempt(pending["_id"], attempt)
        return stored

    def _answer(self, asked: _Asked, stored: Document, *, replayed: bool) -> ActionOutcome:
        if stored["fingerprint"] != action_fingerprint(asked.action, asked.text):
            raise SubmissionRejectedError(
                "header.Idempotency-Key", "this key was already used for a different action"
            )
        accepted = ActionAccepted(
            action=asked.action,
            message_id=stored["_id"] if stored.get("text") is not None else None,
        )
        return ActionOutcome(accepted=accepted, replayed=replayed)
