"""Notify's collections. Every read is by `_id` but two: the announcer's relay asks its
small outbox for entries older than a grace (a range MongoDB serves from the `at` index),
and the webhook subscriptions (a handful) are read whole into a cache."""

from __future__ import annotations

from nigrani_shared.store.client import IndexSpec

CASES = "cases"
CONTACTS = "contacts"
OUTBOX = "outbox"
TIMERS = "timers"
INDEXES: tuple[IndexSpec, ...] = (IndexSpec(OUTBOX, [("at", 1)], "by_age"),)
