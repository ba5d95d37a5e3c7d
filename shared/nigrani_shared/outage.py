"""One summary line per interval while a dependency is down, instead of one per retry.

A loop that retries every 100 ms during a broker outage would otherwise write thousands of
identical warnings. `OutageLog` writes the first failure at once, then at most one line per
interval ("Kafka unreachable for 45 s, 12 retries"), and one line when it is back:

    outage = OutageLog(logger, "Kafka")
    while True:
        try:
            await send()
            outage.recovered()
            break
        except KafkaConnectionError as error:
            outage.failed(error)
            await asyncio.sleep(delay)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

DEFAULT_INTERVAL_SECONDS = 30.0


class OutageLog:
    """Counts the retries of one outage and logs a throttled summary of it."""

    def __init__(
        self,
        logger: logging.Logger,
        what: str,
        *,
        interval_seconds: float = DEFAULT_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._what = what
        self._interval = interval_seconds
        self._clock = clock
        self._since: float | None = None
        self._last_logged = 0.0
        self._retries = 0

    @property
    def down(self) -> bool:
        return self._since is not None

    @property
    def retries(self) -> int:
        return self._retries

    def down_for(self) -> float:
        """Seconds since the first failure of the current outage (0 when up)."""
        return 0.0 if self._since is None else self._clock() - self._since

    def failed(self, error: BaseException | None = None) -> None:
        """One more failed attempt: logs the first one, then one summary per interval."""
        now = self._clock()
        error_type = type(error).__name__ if error is not None else None
        if self._since is None:
            self._since, self._last_logged, self._retries = now, now, 0
            self._logger.warning(
                "%s unreachable, retrying", self._what, extra={"error_type": error_type}
            )
            return
        self._retries += 1
        if now - self._last_logged >= self._interval:
            self._last_logged = now
            self._logger.warning(
                "%s unreachable for %.0f s, %d retries",
                self._what,
                now - self._since,
                self._retries,
                extra={"error_type": error_type, "retries": self._retries},
            )

    def recovered(self) -> None:
        """The operation succeeded: logs the end of an outage once, then resets."""
        if self._since is None:
            return
        self._logger.info(
            "%s reachable again after %.0f s, %d retries",
            self._what,
            self._clock() - self._since,
            self._retries,
        )
        self._since, self._retries = None, 0
