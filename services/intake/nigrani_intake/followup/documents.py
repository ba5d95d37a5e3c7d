"""Builds the stored shapes of a citizen action: its record in `messages` and its outbox
entry. Pure functions, so the endpoint and the relay agree on one shape.

Ids come from the tracking code and the action's idempotency key (the client's, or one the
server drew), through the server's secret: a retry of one action lands on the same record
and the same event id, and the key itself is never stored. Each call carries a fresh
`attempt` in both documents; the record keeps the attempt of the entry it was derived
from, which tells a first acceptance from a replay, and the entry that announces the
action from one that announces nothing (see submissions/service.py, the same design).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from nigrani_shared.events import CitizenActed, derived_event_id, new_event
from nigrani_shared.store.client import Document

from nigrani_intake.followup.rules import CitizenAction
from nigrani_intake.submissions.documents import EVENT_SOURCE, outbox_entry

#: The entry field holding the record the relay derives before publishing.
ENTRY_FIELD = "message"


@dataclass(frozen=True)
class ActionIds:
    event_id: str
    message_id: str


def action_ids(secret: bytes, tracking_code: str, idempotency_key: str) -> ActionIds:
    key_hash = hmac.new(
        secret, f"citizen-action\x00{tracking_code}\x00{idempotency_key}".encode(), hashlib.sha256
    ).hexdigest()
    return ActionIds(
        event_id=derived_event_id(tracking_code, "citizen-acted", key_hash),
        message_id=derived_event_id(tracking_code, "citizen-message", key_hash),
    )


def action_fingerprint(action: CitizenAction, text: str | None) -> str:
    """Identifies what was asked, so a key reused for a different action is refused."""
    return hashlib.sha256(f"{action}\x00{text or ''}".encode()).hexdigest()


@dataclass(frozen=True)
class ActionDocuments:
    record: Document
    outbox_entry: Document


def build_action(
    *,
    tracking_code: str,
    ids: ActionIds,
    action: CitizenAction,
    text: str | None,
    acted_at: datetime,
    topic: str,
    attempt: str,
) -> ActionDocuments:
    """The event names the message only when there is text; the text itself never
    leaves the record (it may hold personal data, and topics cannot be erased)."""
    record: Document = {
        "_id": ids.message_id,
        "request_id": tracking_code,
        "attempt": attempt,
        "action": action,
        "text": text,
        "fingerprint": action_fingerprint(action, text),
        "acted_at": acted_at,
        "event_id": ids.event_id,
    }
    event = new_event(
        CitizenActed(
            request_id=tracking_code,
            action=action,
            message_id=ids.message_id if text is not None else None,
            acted_at=acted_at,
        ),
        subject=tracking_code,
        source=EVENT_SOURCE,
        event_id=ids.event_id,
    )
    entry = outbox_entry(event, topic=topic, attempt=attempt)
    entry[ENTRY_FIELD] = record
    return ActionDocuments(record=record, outbox_entry=entry)


def message_ref(record: Document) -> Document:
    """The reference to an action's record that the private view reads by `_id` (a query
    of `messages` by request would scan the collection on FerretDB)."""
    return {
        "request_id": record["request_id"],
        "message_id": record["_id"],
        "action": record["action"],
        "acted_at": record["acted_at"],
    }
