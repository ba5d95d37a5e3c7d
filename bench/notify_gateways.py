"""The gateways notify sends to in the notify bench: an SMTP server (aiosmtpd) and an HTTP
SMS gateway (aiohttp) in the bench's event loop, each noting when it accepted which
delivery.

Both only timestamp and answer: no parsing beyond the delivery key, no files, so that
what the bench measures is notify and not its sink. The key is the message's Message-ID
(`<key@domain>`) for e-mail and the Idempotency-Key header for SMS, so an acceptance is
matched to the event that caused it without reading the text. A key accepted twice is
answered like the first time and counted in `repeats` (the SMS gateway honours keys, as
the tests' gateway does; the SMTP server cannot, so a repeat there is a second mail).

The tests have richer sinks (tests/support/smtp_sink.py, sms_gateway.py: faults, parsed
messages); bench code does not import tests/.
"""

from __future__ import annotations

import asyncio
import re
import socket
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import web
from aiosmtpd.smtp import SMTP, Envelope, Session
from nigrani_notify.messages import Channel

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*<([^@>]+)@", re.IGNORECASE | re.MULTILINE)


@dataclass
class Acceptances:
    """When each delivery key was first accepted (time.time()), and repeats of a key."""

    at: dict[str, float] = field(default_factory=dict)
    repeats: int = 0

    def note(self, key: str) -> bool:
        """True the first time a key is accepted."""
        if key in self.at:
            self.repeats += 1
            return False
        self.at[key] = time.time()
        return True


class _MailHandler:
    def __init__(self, accepted: Acceptances) -> None:
        self._accepted = accepted

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = bytes(envelope.original_content or b"")
        headers = data.split(b"\r\n\r\n", 1)[0]
        found = _MESSAGE_ID.search(headers)
        self._accepted.note(found.group(1).decode() if found else f"no-id-{uuid.uuid4().hex}")
        return "250 Message accepted for delivery"


def _bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class BenchGateways:
    """`async with BenchGateways() as gateways:` then point notify at `smtp_settings()`
    and `sms_settings()` (NOTIFY_SMTP, NOTIFY_SMS_GATEWAY)."""

    def __init__(self) -> None:
        self.mail = Acceptances()
        self.sms = Acceptances()
        self.smtp_port = 0
        self.sms_port = 0
        self._smtp: asyncio.Server | None = None
        self._runner: web.AppRunner | None = None

    def accepted(self) -> dict[Channel, Acceptances]:
        return {"email": self.mail, "sms": self.sms}

    def smtp_settings(self) -> dict[str, Any]:
        return {"host": "127.0.0.1", "port": self.smtp_port}

    def sms_settings(self) -> dict[str, Any]:
        return {"url": f"http://127.0.0.1:{self.sms_port}/sms"}

    async def _sms(self, request: web.Request) -> web.Response:
        await request.read()
        key = request.headers.get("Idempotency-Key") or f"no-key-{uuid.uuid4().hex}"
        self.sms.note(key)
        return web.json_response({"id": key})

    async def __aenter__(self) -> Self:
        sock = _bound_socket()
        self.smtp_port = int(sock.getsockname()[1])
        handler = _MailHandler(self.mail)
        self._smtp = await asyncio.get_running_loop().create_server(
            lambda: SMTP(handler, hostname="bench-gateway", enable_SMTPUTF8=True), sock=sock
        )
        app = web.Application()
        app.router.add_post("/sms", self._sms)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = _bound_socket()
        self.sms_port = int(sock.getsockname()[1])
        await web.SockSite(self._runner, sock).start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._smtp is not None:
            self._smtp.close()
            await self._smtp.wait_closed()
