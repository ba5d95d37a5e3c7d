"""JSON log lines that carry the request id and event id but never personal data.

Context travels in contextvars so that a log call deep inside a handler still names the
request it works for without passing ids through every function.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
event_id_var: ContextVar[str | None] = ContextVar("event_id", default=None)

_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object; extra fields passed via `extra=` are kept."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "service": self._service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (request_id := request_id_var.get()) is not None:
            line["request_id"] = request_id
        if (event_id := event_id_var.get()) is not None:
            line["event_id"] = event_id
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure_logging(service: str, level: str = "INFO") -> None:
    """Route every logger (uvicorn's and aiokafka's included) through one JSON handler."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    handler.addFilter(RepeatFilter(prefixes=("aiokafka",)))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    quiet_noisy_loggers()


def quiet_noisy_loggers() -> None:
    """Pins library loggers that would print personal data at DEBUG: PyMongo's command log
    holds whole documents (names, phones), and uvicorn's access log holds paths with
    tracking codes. They stay at WARNING whatever LOG_LEVEL says."""
    for name in ("pymongo", "uvicorn.access", "aiokafka"):
        logging.getLogger(name).setLevel("WARNING")


class RepeatFilter(logging.Filter):
    """Lets each message template of the given libraries through once per interval.

    During a broker outage aiokafka logs "Unable connect to node ..." at ERROR on every
    retry, many times a second. Errors are kept (the first of each kind per interval is
    written, with how many like it were held back), the flood is not."""

    def __init__(
        self,
        *,
        prefixes: tuple[str, ...],
        interval_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self._prefixes = prefixes
        self._interval = interval_seconds
        self._clock = clock
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(self._prefixes):
            return True
        key = (record.name, str(record.msg))
        now = self._clock()
        last, held_back = self._seen.get(key, (float("-inf"), 0))
        if now - last < self._interval:
            self._seen[key] = (last, held_back + 1)
            return False
        self._seen[key] = (now, 0)
        if held_back:
            record.similar_held_back = held_back
        return True


@contextmanager
def log_context(*, request_id: str | None = None, event_id: str | None = None) -> Iterator[None]:
    """Binds ids to every log line written inside the block."""
    request_token = request_id_var.set(request_id)
    event_token = event_id_var.set(event_id)
    try:
        yield
    finally:
        event_id_var.reset(event_token)
        request_id_var.reset(request_token)
