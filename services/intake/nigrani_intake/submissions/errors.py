"""Errors the submission service raises; the router maps each to a clear 4xx or 503."""

from __future__ import annotations


class SubmissionRejectedError(Exception):
    """The request is well-formed JSON but breaks a rule (422, naming the field)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class TrackingCodeExhaustedError(Exception):
    """Every candidate code was taken: astronomically unlikely, reported as 503."""


class OutcomeUnknownError(Exception):
    """The store did not answer in time: the request may or may not be stored (503 with the
    key to retry with, which lands on the same documents and never makes a second request)."""

    def __init__(self, idempotency_key: str) -> None:
        super().__init__("store did not answer; outcome unknown")
        self.idempotency_key = idempotency_key
