"""Webhook subscriptions in notify's store.

Each subscription is one document keyed by `_id` = its id, written only by the admin
command (one person at a time: two admins rotating one subscription at the same moment
could lose one rotation's previous secret, which the next rotation's grace covers). The
sender never updates it: when a receiver answers 410 Gone, the sender inserts a marker
under the same id in a second collection (`gone`), so no two writers ever meet on one
document (the local store applies an update by read-modify-write and would lose one).
The admin's `enable` clears the marker.

Matching runs for every event, so `matching` reads every subscription and every marker
from a cache refreshed every few seconds: two full reads of small collections (tens of
documents) every few seconds cost less than any per-event query, and the store serves
only `_id` look-ups from an index anyway. A change by the admin command is therefore seen
by a running notify within `refresh_seconds`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from nigrani_shared.clock import utc_now
from nigrani_shared.store.client import Document
from nigrani_shared.store.writes import insert_or_get
from pymongo.asynchronous.collection import AsyncCollection

from nigrani_notify.webhooks.subscription import (
    ROTATION_GRACE,
    PreviousSecret,
    Subscription,
    checked_description,
    checked_event_types,
    checked_url,
    is_subscription_id,
    new_secret,
    new_subscription_id,
)

COLLECTION = "webhook_subscriptions"
GONE_PREFIX = "gone:"
REFRESH_SECONDS = 5.0
GONE_REASON = "http_410"


class UnknownSubscriptionError(LookupError):
    """No subscription has this id."""


class SubscriptionStore:
    def __init__(
        self,
        collection: AsyncCollection[Document],
        *,
        refresh_seconds: float = REFRESH_SECONDS,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._collection = collection
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        self._monotonic = monotonic
        self._cached: list[Subscription] = []
        self._cached_at: float | None = None

    async def add(
        self, *, url: str, event_types: list[str], description: str, allow_http: bool
    ) -> Subscription:
        """A new subscription with a new secret (InvalidSubscriptionError if the request
        cannot be one). The returned subscription holds the secret: show it once."""
        subscription = Subscription(
            id=new_subscription_id(),
            url=checked_url(url, allow_http=allow_http),
            secret=new_secret(),
            event_types=checked_event_types(event_types),
            description=checked_description(description),
            created_at=self._clock(),
        )
        await self._collection.insert_one(to_document(subscription))
        return subscription

    async def get(self, subscription_id: str) -> Subscription | None:
        """Read now from the store (two `_id` look-ups), not from the cache: for a retry,
        which must see a removal, a disabling or a rotation at once."""
        if not is_subscription_id(subscription_id):
            return None
        document = await self._collection.find_one({"_id": subscription_id})
        if document is None:
            return None
        gone = await self._collection.find_one({"_id": GONE_PREFIX + subscription_id})
        return from_document(document, gone=gone is not None)

    async def all(self) -> list[Subscription]:
        """Every subscription, oldest first (a full read of a small collection)."""
        documents = await self._collection.find({}).to_list()
        ids = {d["_id"] for d in documents}
        found = [
            from_document(d, gone=GONE_PREFIX + d["_id"] in ids)
            for d in documents
            if is_subscription_id(d["_id"])
        ]
        return sorted(found, key=lambda s: (s.created_at, s.id))

    async def matching(self, event_type: str) -> list[Subscription]:
        """The active subscriptions whose filters take this event type (never one for a
        notification event), from the cache."""
        now = self._monotonic()
        if self._cached_at is None or now - self._cached_at >= self._refresh_seconds:
            self._cached = [s for s in await self.all() if not s.disabled]
            self._cached_at = now
        return [s for s in self._cached if s.accepts(event_type)]

    async def mark_gone(self, subscription_id: str) -> None:
        """The receiver said 410 Gone: the subscription is disabled until an admin enables
        it. An insert (idempotent), never an update of the admin's document."""
        marker = {"_id": GONE_PREFIX + subscription_id, "at": self._clock()}
        await insert_or_get(self._collection, marker)
        self._cached = [s for s in self._cached if s.id != subscription_id]

    async def set_disabled(self, subscription_id: str, disabled: bool) -> Subscription:
        await self._update(subscription_id, {"disabled": disabled})
        if not disabled:
            await self._collection.delete_one({"_id": GONE_PREFIX + subscription_id})
        return await self._require(subscription_id)

    async def rotate(self, subscription_id: str) -> Subscription:
        """A new secret; the current one keeps signing for ROTATION_GRACE (and earlier
        ones until their own grace ends). The returned subscription holds the new secret."""
        current = await self._require(subscription_id)
        now = self._clock()
        kept = [p for p in current.previous_secrets if p.valid_until > now]
        kept.append(PreviousSecret(secret=current.secret, valid_until=now + ROTATION_GRACE))
        await self._update(
            subscription_id,
            {"secret": new_secret(), "previous_secrets": [_previous(p) for p in kept]},
        )
        return await self._require(subscription_id)

    async def remove(self, subscription_id: str) -> None:
        if not is_subscription_id(subscription_id):
            raise UnknownSubscriptionError(subscription_id)
        result = await self._collection.delete_one({"_id": subscription_id})
        if result.deleted_count == 0:
            raise UnknownSubscriptionError(subscription_id)
        await self._collection.delete_one({"_id": GONE_PREFIX + subscription_id})

    async def _update(self, subscription_id: str, fields: dict[str, Any]) -> None:
        if not is_subscription_id(subscription_id):
            raise UnknownSubscriptionError(subscription_id)
        result = await self._collection.update_one({"_id": subscription_id}, {"$set": fields})
        if result.matched_count == 0:
            raise UnknownSubscriptionError(subscription_id)

    async def _require(self, subscription_id: str) -> Subscription:
        found = await self.get(subscription_id)
        if found is None:
            raise UnknownSubscriptionError(subscription_id)
        return found


def to_document(subscription: Subscription) -> Document:
    return {
        "_id": subscription.id,
        "url": subscription.url,
        "secret": subscription.secret,
        "event_types": list(subscription.event_types),
        "description": subscription.description,
        "created_at": subscription.created_at,
        "disabled": subscription.disabled,
        "previous_secrets": [_previous(p) for p in subscription.previous_secrets],
    }


def from_document(document: Document, *, gone: bool) -> Subscription:
    disabled_by_admin = bool(document.get("disabled"))
    return Subscription(
        id=document["_id"],
        url=document["url"],
        secret=document["secret"],
        event_types=tuple(document["event_types"]),
        description=document.get("description", ""),
        created_at=document["created_at"],
        disabled=disabled_by_admin or gone,
        disabled_reason="admin" if disabled_by_admin else GONE_REASON if gone else None,
        previous_secrets=tuple(
            PreviousSecret(secret=p["secret"], valid_until=p["valid_until"])
            for p in document.get("previous_secrets", [])
        ),
    )


def _previous(previous: PreviousSecret) -> Document:
    return {"secret": previous.secret, "valid_until": previous.valid_until}
