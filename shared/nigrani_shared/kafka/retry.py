"""Backoff arithmetic and the line between a poison message and an outage."""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, NodeNotReadyError
from pymongo.errors import ConnectionFailure, ServerSelectionTimeoutError

# A client's own time-out (PyMongo's server selection, aiokafka's request timeout, a socket
# timeout) means the other side did not answer: an outage. A handler that outlives the
# runtime's handler timeout is different and raises `HandlerTimeoutError`, which is not a
# TimeoutError, so it can never be mistaken for an outage and retried forever.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionFailure,
    ServerSelectionTimeoutError,
    KafkaConnectionError,
    KafkaTimeoutError,
    NodeNotReadyError,
    TimeoutError,
)


class HandlerTimeoutError(Exception):
    """A handler did not finish within its consumer group's handler timeout."""

    def __init__(self, event_type: str, seconds: float) -> None:
        super().__init__(f"handler for {event_type} did not finish within {seconds:g} s")


class Stopping(Exception):
    """Raised inside a batch when shutdown interrupts an infrastructure retry."""


@dataclass(frozen=True)
class Backoff:
    initial_seconds: float = 0.1
    max_seconds: float = 5.0
    factor: float = 2.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait before attempt `attempt + 1` (attempt counts from 1)."""
        return float(min(self.initial_seconds * self.factor ** (attempt - 1), self.max_seconds))


def is_transient(error: BaseException) -> bool:
    """An outage of the store or the broker: retrying later will succeed, so never DLQ it."""
    return isinstance(error, TRANSIENT_ERRORS) and not isinstance(error, HandlerTimeoutError)
