"""How an HTTP gateway's answer ends an attempt, for every channel that POSTs.

2xx: sent. 429 and 5xx: transient, waiting at least the Retry-After the gateway gave (in
seconds or as an HTTP date). 408 (the gateway timed out reading us) is transient too.
Any other status: permanent, the request itself is wrong (`http_400`, `http_401`, ...);
a redirect counts as wrong as well, since a POST is not followed to another address.

Pure: the time is given.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from nigrani_notify.messages import SendResult

_TRANSIENT_4XX = frozenset({408, 429})


def classify_status(status: int, retry_after: str | None, *, now: datetime) -> SendResult:
    if 200 <= status < 300:
        return SendResult.sent()
    reason = f"http_{status}"
    if status >= 500 or status in _TRANSIENT_4XX:
        return SendResult.transient(reason, retry_after_seconds(retry_after, now=now))
    return SendResult.permanent(reason)


def retry_after_seconds(value: str | None, *, now: datetime) -> float | None:
    """A Retry-After header as seconds from `now` (never negative); None when absent or
    unreadable, so the caller's own backoff applies."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" parses naive; an HTTP date is always GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
