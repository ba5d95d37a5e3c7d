"""What the endpoint tells the relay in the same process.

Two things: "an entry was written" (wake up now rather than at the next poll), and "its
request is already stored" (no need to derive it again, which would cost two store
operations per request). Both live in memory only: after a restart the relay simply derives
every entry it finds, which is always safe. The remembered ids are bounded, because another
replica's relay may publish an entry this process stored, and this relay then never sees it.
"""

from __future__ import annotations

import asyncio

MAX_REMEMBERED = 10_000


class OutboxSignal:
    def __init__(self) -> None:
        self.written = asyncio.Event()
        self._stored_here: dict[str, None] = {}  # insertion-ordered, oldest first

    def request_stored(self, entry_id: str) -> None:
        """The endpoint stored this entry and its request: wake the relay."""
        self._stored_here[entry_id] = None
        if len(self._stored_here) > MAX_REMEMBERED:
            del self._stored_here[next(iter(self._stored_here))]
        self.written.set()

    def take_stored_here(self, entry_id: str) -> bool:
        """True (once) if the endpoint stored this entry's request itself."""
        return self._stored_here.pop(entry_id, False) is None
