"""ASGI middleware: a request id on every request and log line, and caps on a request
body's size and on the time taken to send it.

The caps are enforced while streaming, so an oversized upload is refused with 413 before it
is buffered, whatever Content-Length claims, and a body trickled in byte by byte gets 408
when its deadline passes; either way the connection is then closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nigrani_shared.logging import request_id_var

logger = logging.getLogger(__name__)

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)


class _BodyRefusedError(Exception):
    """Raised into the app once the refusal has been sent, so that it stops reading."""


class _BodyGuard:
    """One request's view of its body: counted, timed, and answered when it goes wrong.

    The refusal is sent from inside `receive`: FastAPI turns any exception raised while it
    reads the body into a 400 (that is why oversized chunked bodies used to get 400), so
    raising alone cannot carry a 413 out. Whatever the app sends after the refusal is
    dropped. `Connection: close` makes uvicorn close the socket after the refusal instead
    of reading and discarding the rest of the body."""

    def __init__(
        self, receive: Receive, send: Send, *, max_bytes: int, deadline: float, has_body: bool
    ) -> None:
        self._receive = receive
        self._send = send
        self._max_bytes = max_bytes
        self._deadline = deadline
        self._received = 0
        self.body_complete = not has_body
        self.started = False
        self.refused = False

    async def receive(self) -> Message:
        if self.refused:
            raise _BodyRefusedError
        if self.body_complete:
            return await self._receive()  # waiting for a disconnect: no deadline
        try:
            async with asyncio.timeout_at(self._deadline):
                message = await self._receive()
        except TimeoutError:
            await self.refuse(408, "the request body was not received in time")
            raise _BodyRefusedError from None
        if message["type"] == "http.request":
            self._received += len(message.get("body", b""))
            if self._received > self._max_bytes:
                await self.refuse(413, f"request body exceeds {self._max_bytes} bytes")
                raise _BodyRefusedError
            self.body_complete = not message.get("more_body", False)
        elif message["type"] == "http.disconnect":
            self.body_complete = True
        return message

    async def send(self, message: Message) -> None:
        if self.refused:
            return
        if message["type"] == "http.response.start":
            self.started = True
            if not self.body_complete:
                # Answered before reading all of it (a 404, a 401): do not drain the rest.
                message = {**message, "headers": [*message.get("headers", []), _CLOSE]}
        await self._send(message)

    async def refuse(self, status: int, detail: str) -> None:
        if self.refused or self.started:
            self.refused = True
            return
        self.refused = True
        logger.warning("request body refused", extra={"status": status})
        await send_refusal(self._send, status, detail)


_CLOSE = (b"connection", b"close")


async def send_refusal(send: Send, status: int, detail: str) -> None:
    """A JSON error that also tells the server to close the connection after it."""
    body = json.dumps({"detail": detail, "errors": []}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                _CLOSE,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _has_body(headers: dict[bytes, bytes]) -> bool:
    length = headers.get(b"content-length", b"0")
    return b"transfer-encoding" in headers or not length.isdigit() or int(length) > 0


class BodySizeLimitMiddleware:
    """Caps a request body's size (413) and the time to receive it (408), whether or not
    Content-Length is given, while streaming: nothing beyond the cap is buffered or read."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, timeout_seconds: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_seconds = timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and b"transfer-encoding" in headers:
            # Two framings of one body: a proxy and this server could split requests in
            # different places (request smuggling), so RFC 9112 lets us refuse it.
            await send_refusal(send, 400, "send Content-Length or Transfer-Encoding, not both")
            return
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await send_refusal(send, 413, f"request body exceeds {self.max_bytes} bytes")
            return
        guard = _BodyGuard(
            receive,
            send,
            max_bytes=self.max_bytes,
            deadline=asyncio.get_running_loop().time() + self.timeout_seconds,
            has_body=_has_body(headers),
        )
        with contextlib.suppress(_BodyRefusedError):
            await self.app(scope, guard.receive, guard.send)
