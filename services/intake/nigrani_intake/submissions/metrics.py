"""Submission metrics, shared by the endpoint and the relay (either may create a request)."""

from __future__ import annotations

from nigrani_shared.store.client import Document
from prometheus_client import Counter

REQUESTS_SUBMITTED = Counter(
    "nigrani_requests_submitted_total",
    "Requests stored by intake, counted once each by whichever writer created the document.",
    ["category", "channel"],
)


def count_created(request: Document) -> None:
    REQUESTS_SUBMITTED.labels(request["category"], request["channel"]).inc()
