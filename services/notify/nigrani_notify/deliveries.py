"""The delivery log: what is owed to whom, each attempt, and how each delivery ended.

Every document is written once and never updated (several replicas and the watchdog of
a dead sender meet on the same delivery, and the local store loses concurrent updates of
one document but never an insert):

- `deliveries/<key>`: the delivery, recorded before anything is sent;
- `attempts/<key>:<n>`: the claim of attempt n (an insert: one sender per attempt);
- `attempts/<key>:<n>:result`: how attempt n ended, and what follows it;
- `outcomes/<key>`: sent, failed or skipped; the first writer decides.

Nothing here holds an address or a message text: the recipient is a reference and the
context holds only what the templates print (tracking code, department, public notes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from nigrani_shared.store.client import Document
from nigrani_shared.store.writes import insert_new, insert_or_get
from pymongo.asynchronous.database import AsyncDatabase

from nigrani_notify.contexts import ContextValue
from nigrani_notify.messages import Audience, Channel, SendResult

DELIVERIES = "deliveries"
ATTEMPTS = "attempts"
OUTCOMES = "outcomes"

Settled = Literal["sent", "failed", "skipped"]


@dataclass(frozen=True)
class Delivery:
    key: str
    event_id: str
    event_type: str
    request_id: str
    kind: str  # a MessageKind, or the event type for a webhook
    channel: Channel
    audience: Audience
    recipient: str  # "citizen", "staff:<id>" or "subscription:<id>"
    department_code: str | None
    event_time: datetime
    context: dict[str, ContextValue] = field(default_factory=dict)
    body: str | None = None  # a webhook's JSON payload, fixed when the event arrived

    def document(self) -> Document:
        return {
            "_id": self.key,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "request_id": self.request_id,
            "kind": self.kind,
            "channel": self.channel,
            "audience": self.audience,
            "recipient": self.recipient,
            "department_code": self.department_code,
            "event_time": self.event_time,
            "context": dict(self.context),
            "body": self.body,
        }

    @classmethod
    def from_document(cls, document: Document) -> Delivery:
        fields: dict[str, Any] = {k: v for k, v in document.items() if k != "_id"}
        return cls(key=str(document["_id"]), **fields)


@dataclass(frozen=True)
class Outcome:
    settled: Settled
    reason: str
    attempts: int
    at: datetime


@dataclass(frozen=True)
class Next:
    """What follows an attempt: the delivery ends (`settled`, with `reason`), or the next
    attempt is due at `retry_at`."""

    settled: Settled | None
    reason: str
    retry_at: datetime | None = None


class DeliveryStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._deliveries = db[DELIVERIES]
        self._attempts = db[ATTEMPTS]
        self._outcomes = db[OUTCOMES]

    async def record(self, deliveries: Sequence[Delivery]) -> None:
        """Stores deliveries not yet stored (a redelivered event finds its own)."""
        if not deliveries:
            return
        await insert_new(self._deliveries, [delivery.document() for delivery in deliveries])

    async def get(self, key: str) -> Delivery | None:
        document = await self._deliveries.find_one({"_id": key})
        return None if document is None else Delivery.from_document(document)

    async def claim_attempt(self, key: str, attempt: int, at: datetime) -> bool:
        return (await insert_or_get(self._attempts, {"_id": f"{key}:{attempt}", "at": at})).inserted

    async def result(self, key: str, attempt: int) -> Next | None:
        """What attempt n decided should follow it, once it recorded its result."""
        document = await self._attempts.find_one({"_id": f"{key}:{attempt}:result"})
        if document is None:
            return None
        return Next(
            settled=document.get("settled"),
            reason=str(document["reason"]),
            retry_at=document.get("retry_at"),
        )

    async def record_result(
        self, key: str, attempt: int, result: SendResult, follows: Next, at: datetime
    ) -> None:
        """The attempt's result with what follows it (the end, or the next attempt's due
        time), so that a watchdog finding the result can finish what a dead sender began."""
        await insert_or_get(
            self._attempts,
            {
                "_id": f"{key}:{attempt}:result",
                "outcome": result.outcome.value,
                "reason": result.reason,
                "settled": follows.settled,
                "retry_at": follows.retry_at,
                "at": at,
            },
        )

    async def outcome(self, key: str) -> Outcome | None:
        document = await self._outcomes.find_one({"_id": key})
        if document is None:
            return None
        return Outcome(
            settled=document["settled"],
            reason=document["reason"],
            attempts=document["attempts"],
            at=document["at"],
        )

    async def settle(self, key: str, outcome: Outcome) -> bool:
        """Records how the delivery ended; False if it had ended already."""
        document = {
            "_id": key,
            "settled": outcome.settled,
            "reason": outcome.reason,
            "attempts": outcome.attempts,
            "at": outcome.at,
        }
        return (await insert_or_get(self._outcomes, document)).inserted
