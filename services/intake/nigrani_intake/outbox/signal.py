"""What the endpoint tells the relay in the same process.

Two things: "an entry was written" (wake up now rather than at the next poll), and "its
request is already stored" (no need to derive it again, which would cost two store
operations per request). Both live in memory only: after a restart the relay simply derives
every entry it finds, which is always safe.
"""

from __future__ import annotations

import asyncio


class OutboxSignal:
    def __init__(self) -> None:
        self.written = asyncio.Event()
        self._derived: set[str] = set()

    def entry_stored(self, entry_id: str, *, request_derived: bool) -> None:
        if request_derived:
            self._derived.add(entry_id)
        self.written.set()

    def take_derived(self, entry_id: str) -> bool:
        """True (once) if the endpoint stored this entry's request itself."""
        if entry_id in self._derived:
            self._derived.discard(entry_id)
            return True
        return False
