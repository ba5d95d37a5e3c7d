"""What the endpoint tells the relay in the same process.

Two things: "an entry was written" (wake up now rather than at the next poll), and "this
process stored everything the entry announces (for a submission, the request derived from
this very entry)", so the relay publishes it at once and need not derive the request
again, which would cost a store round trip per request. The second is keyed by entry id
*and* attempt: a later entry under the same id (a replay, long after the first was
published) is a different attempt and gets checked as usual. It is forgotten only once the
relay has cleared the entry, so a failed round leaves the entry this process's own. Both
live in memory only: after a restart the relay derives every entry it finds, which is
always safe. The remembered ids are bounded, because another replica's relay may clear an
entry this process stored, and this relay then never sees it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

MAX_REMEMBERED = 10_000


class OutboxSignal:
    def __init__(self) -> None:
        self.written = asyncio.Event()
        self._stored_here: dict[str, str] = {}  # entry id -> attempt, oldest first

    def request_stored(self, entry_id: str, attempt: str) -> None:
        """This process stored everything the entry announces: wake the relay, which
        publishes it now."""
        self._stored_here[entry_id] = attempt
        if len(self._stored_here) > MAX_REMEMBERED:
            del self._stored_here[next(iter(self._stored_here))]
        self.written.set()

    def stored_here(self, entry_id: str, attempt: str | None) -> bool:
        """True if this process stored what this very entry announces."""
        return attempt is not None and self._stored_here.get(entry_id) == attempt

    def forget(self, entry_ids: Iterable[str]) -> None:
        """The relay cleared these entries."""
        for entry_id in entry_ids:
            self._stored_here.pop(entry_id, None)
