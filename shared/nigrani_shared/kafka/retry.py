"""Backoff arithmetic and the line between a poison message and an outage."""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, NodeNotReadyError
from pymongo.errors import ConnectionFailure, ServerSelectionTimeoutError

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionFailure,
    ServerSelectionTimeoutError,
    KafkaConnectionError,
    KafkaTimeoutError,
    NodeNotReadyError,
    TimeoutError,
)


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
    return isinstance(error, TRANSIENT_ERRORS)
