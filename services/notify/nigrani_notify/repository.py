"""Notify's collections. Every read is by `_id`; the announcer's relay reads its small
outbox whole, and the webhook subscriptions (a handful) are read whole into a cache."""

from __future__ import annotations

from nigrani_shared.store.client import IndexSpec

CASES = "cases"
CONTACTS = "contacts"
OUTBOX = "outbox"
TIMERS = "timers"
INDEXES: tuple[IndexSpec, ...] = ()
