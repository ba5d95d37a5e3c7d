"""A local HTTP server (aiohttp) that plays an SMS gateway, in the test's event loop.

    async with SmsGateway() as gateway:
        SmsGatewaySettings(url=gateway.url, ...)
        gateway.fail_next(2, 503)                      # the next two calls answer 503
        gateway.fail_next(1, 429, retry_after="7")     # ... with a Retry-After header
        gateway.fail_next(1, 503, after=1)             # the call after the next one
        gateway.slow_next(1, seconds=5)                # the next call answers after 5 s
        await gateway.wait_for(1)

It accepts any POST to /sms (JSON or form). `requests` records every call with the answer
it got; `messages` only the accepted ones, each idempotency key once: a call that repeats
an accepted key (header `idempotency_header`, or field `idempotency_field`) is answered
200 like the first and not counted again, as a gateway that honours keys does.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Self

from aiohttp import web

from tests.support.waiting import eventually, holds


@dataclass(frozen=True)
class GatewayRequest:
    headers: Mapping[str, str]  # names in lower case
    content_type: str
    fields: Mapping[str, str]
    status: int
    key: str | None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class _Fault:
    count: int
    status: int = 0
    retry_after: str | None = None
    delay: float = 0.0
    after: int = 0  # calls that pass before this fault starts


@dataclass
class SmsGateway:
    idempotency_header: str | None = "Idempotency-Key"
    idempotency_field: str | None = None
    requests: list[GatewayRequest] = field(default_factory=list)
    messages: list[GatewayRequest] = field(default_factory=list)
    port: int = 0
    _faults: list[_Fault] = field(default_factory=list)
    _accepted: dict[str, str] = field(default_factory=dict)  # key -> message id
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sms"

    def fail_next(
        self, count: int, status: int, *, retry_after: str | None = None, after: int = 0
    ) -> None:
        self._faults.append(_Fault(count, status, retry_after, after=after))

    def slow_next(self, count: int, seconds: float) -> None:
        self._faults.append(_Fault(count, delay=seconds))

    async def wait_for(self, count: int, within: float = 10.0) -> list[GatewayRequest]:
        await eventually(
            holds(lambda: len(self.messages) >= count), within=within, what="SMS messages"
        )
        return self.messages

    def _take_fault(self) -> _Fault | None:
        for fault in self._faults:
            if fault.count > 0:
                if fault.after > 0:
                    fault.after -= 1
                    return None
                fault.count -= 1
                return fault
        return None

    async def _handle(self, request: web.Request) -> web.Response:
        if request.content_type == "application/json":
            body = await request.json()
            fields = {str(name): str(value) for name, value in body.items()}
        else:
            fields = {name: str(value) for name, value in (await request.post()).items()}
        headers = {name.lower(): value for name, value in request.headers.items()}
        key = (
            headers.get(self.idempotency_header.lower()) if self.idempotency_header else None
        ) or (fields.get(self.idempotency_field) if self.idempotency_field else None)
        fault = self._take_fault()
        if fault is not None and fault.delay:
            await asyncio.sleep(fault.delay)
        status = fault.status if fault is not None and fault.status else 200
        record = GatewayRequest(headers, request.content_type, fields, status, key)
        self.requests.append(record)
        if status != 200:
            retry = {"Retry-After": fault.retry_after} if fault and fault.retry_after else {}
            return web.json_response({"error": "refused"}, status=status, headers=retry)
        if key is not None and key in self._accepted:
            return web.json_response({"id": self._accepted[key], "duplicate": True})
        message_id = uuid.uuid4().hex
        if key is not None:
            self._accepted[key] = message_id
        self.messages.append(record)
        return web.json_response({"id": message_id})

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_post("/sms", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = int(sock.getsockname()[1])
        await web.SockSite(self._runner, sock).start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()
