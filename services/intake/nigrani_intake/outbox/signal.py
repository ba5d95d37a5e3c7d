"""What the endpoint tells the relay in the same process.

Two things: "an entry was written" (wake up now rather than at the next poll), and "the
request this entry announces is stored, derived from this very entry" (no need to derive
it again, which would cost a store round trip per request). The second is keyed by entry
id *and* attempt: a later entry under the same id (a replay, long after the first was
published) is a different attempt and gets checked as usual. Both live in memory only:
after a restart the relay derives every entry it finds, which is always safe. The
remembered ids are bounded, because another replica's relay may publish an entry this
process stored, and this relay then never sees it.
"""

from __future__ import annotations

import asyncio

MAX_REMEMBERED = 10_000


class OutboxSignal:
    def __init__(self) -> None:
        self.written = asyncio.Event()
        self._stored_here: dict[str, str] = {}  # entry id -> attempt, oldest first

    def request_stored(self, entry_id: str, attempt: str) -> None:
        """This process stored everything the entry announces (for a submission, the
        request derived from this very entry): wake the relay, which publishes it now."""
        self._stored_here[entry_id] = attempt
        if len(self._stored_here) > MAX_REMEMBERED:
            del self._stored_here[next(iter(self._stored_here))]
        self.written.set()

    def take_stored_here(self, entry_id: str, attempt: str) -> bool:
        """True (once) if the request was stored here, derived from this very entry."""
        return self._stored_here.pop(entry_id, None) == attempt
