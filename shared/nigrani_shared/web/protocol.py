"""uvicorn's HTTP/1.1 protocol with a deadline on reading a request's headers.

uvicorn (h11) has no header timeout: a connection that opens and sends nothing, or sends
its headers a byte at a time, holds a socket for ever ("slowloris"); `timeout_keep_alive`
runs only between requests and any byte cancels it. This subclass arms a timer when a
connection opens and when the first byte of each later request arrives, and disarms it
once h11 has parsed the headers. When it fires, a client that had started a request gets
408 and the connection is closed; an idle new connection is simply closed.

Only the body phase is left to the app (BodySizeLimitMiddleware's deadline), so the two
deadlines together bound how long one request can occupy the server before the app runs.
"""

from __future__ import annotations

import asyncio
import logging

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

logger = logging.getLogger(__name__)

_TIMEOUT_BODY = b"request headers were not received in time\n"
TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: " + str(len(_TIMEOUT_BODY)).encode() + b"\r\n"
    b"connection: close\r\n\r\n" + _TIMEOUT_BODY
)


class HeaderDeadlineH11Protocol(H11Protocol):
    """Subclassed per server by `with_header_deadline`, which sets the deadline."""

    header_timeout_seconds: float = 10.0
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._arm_header_timer()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self._arm_header_timer()  # a request has begun; its headers are incomplete
        else:
            self._disarm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(
                self.header_timeout_seconds, self._header_deadline_passed
            )

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_deadline_passed(self) -> None:
        self._header_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        pending, _ = self.conn.trailing_data
        if pending:
            logger.warning("request headers not received in time; connection closed")
            self.transport.write(TIMEOUT_RESPONSE)
        self.transport.close()


def with_header_deadline(seconds: float) -> type[HeaderDeadlineH11Protocol]:
    """A protocol class for `uvicorn.Config(http=...)`, which instantiates it itself."""
    return type(
        "HeaderDeadlineH11Protocol",
        (HeaderDeadlineH11Protocol,),
        {"header_timeout_seconds": seconds},
    )
