"""How an HTTP gateway's status and Retry-After end an attempt."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from nigrani_notify.channels.http_status import classify_status, retry_after_seconds
from nigrani_notify.messages import SendResult

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 3 ", 3.0),
        ("Sat, 28 Nov 2026 09:30:30 GMT", 30.0),
        ("Sat, 28 Nov 2026 09:30:30 -0000", 30.0),
        ("Fri, 27 Nov 2026 09:30:00 GMT", 0.0),  # in the past: retry now
        ("-5", None),
        ("1.5", None),  # not a delay-seconds (digits only) nor a date
        ("", None),
        (None, None),
    ],
)
def test_retry_after(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, now=NOW) == seconds


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (200, SendResult.sent()),
        (202, SendResult.sent()),
        (301, SendResult.permanent("http_301")),
        (400, SendResult.permanent("http_400")),
        (404, SendResult.permanent("http_404")),
        (408, SendResult.transient("http_408", 5.0)),
        (429, SendResult.transient("http_429", 5.0)),
        (502, SendResult.transient("http_502", 5.0)),
    ],
)
def test_classify_status(status: int, expected: SendResult) -> None:
    assert classify_status(status, "5", now=NOW) == expected
