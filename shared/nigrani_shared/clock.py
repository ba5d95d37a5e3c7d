"""The current time at the precision the store keeps.

BSON dates hold milliseconds. A time taken with microseconds would read back different
from what an event carried, so a re-announced event would differ from the first one.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
