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
