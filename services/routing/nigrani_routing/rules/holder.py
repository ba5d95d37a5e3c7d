"""The rule book in force, and reloading it without a restart.

A reload builds a whole new book from the files and swaps it in with one assignment, so a
decision sees either the old book or the new one, never a mix. A refused file leaves the
book in force untouched and says why (the file, the line, the problem).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Callable
from pathlib import Path

from prometheus_client import Counter, Info

from nigrani_routing.rules.book import RuleBook
from nigrani_routing.rules.errors import RulesError
from nigrani_routing.rules.loader import load_book

logger = logging.getLogger(__name__)

RELOADS = Counter(
    "nigrani_rules_reloads_total", "Rule book reloads, by outcome (loaded, refused).", ["outcome"]
)
IN_FORCE = Info("nigrani_rules", "The rule-set version in force (hash of rules and areas).")


class RulesHolder:
    def __init__(self, rules_path: Path, areas_path: Path) -> None:
        """Loads the book now: a bad file at start-up stops the service (RulesError)."""
        self._rules_path = rules_path
        self._areas_path = areas_path
        self._lock = threading.Lock()
        self._current = load_book(rules_path, areas_path)
        IN_FORCE.info({"version": self._current.version})

    @property
    def current(self) -> RuleBook:
        return self._current

    def reload(self) -> RuleBook:
        """The new book, now in force; on RulesError the old one stays in force."""
        with self._lock:  # two reloads at once must not put the older read in force last
            try:
                book = load_book(self._rules_path, self._areas_path)
            except RulesError as error:
                RELOADS.labels("refused").inc()
                logger.error(
                    "rules refused; the rules in force stay",
                    extra={"problem": error.message, "version": self._current.version},
                )
                raise
            previous, self._current = self._current, book
        RELOADS.labels("loaded").inc()
        IN_FORCE.info({"version": book.version})
        logger.info("rules reloaded", extra={"version": book.version, "previous": previous.version})
        return book

    async def reload_in_thread(self) -> RuleBook:
        """Parsing 1,000 polygons takes tens of milliseconds: kept off the event loop."""
        return await asyncio.to_thread(self.reload)


def reload_on_sighup(holder: RulesHolder) -> Callable[[], None]:
    """Installs a SIGHUP handler on the running loop that reloads the rules (errors are
    logged and counted; the rules in force stay). Returns the function that removes it.
    Outside the main thread a loop cannot take signals: nothing is installed then."""
    loop = asyncio.get_running_loop()
    pending: set[asyncio.Task[None]] = set()

    async def reload() -> None:
        with contextlib.suppress(RulesError):  # logged and counted by reload()
            await holder.reload_in_thread()

    def on_signal() -> None:
        task = loop.create_task(reload())
        pending.add(task)
        task.add_done_callback(pending.discard)

    try:
        loop.add_signal_handler(signal.SIGHUP, on_signal)
    except (RuntimeError, ValueError):
        logger.warning("SIGHUP reload not installed: not the main thread's loop")
        return lambda: None

    def remove() -> None:
        loop.remove_signal_handler(signal.SIGHUP)

    return remove
