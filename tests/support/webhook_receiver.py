"""A real HTTP webhook receiver for tests: an aiohttp server on a free local port that
verifies every call with the `standardwebhooks` reference library (never with Nigrani's
own signing code), records it, and answers what the test planned.

    async with webhook_receiver() as receiver:
        receiver.trust(subscription.secret)
        receiver.respond_next(2, 503)            # the next two calls answer 503
        ...                                      # notify sends
        [delivery] = await receiver.wait_for_deliveries(1)
        delivery.payload["type"], delivery.verified_with

A call that no trusted secret verifies is answered 401 and kept in `calls` (never in
`deliveries`), as a real receiver would refuse it.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.support.waiting import eventually

PATH = "/hook"


@dataclass(frozen=True)
class ReceivedCall:
    """One HTTP call as it arrived, what verified it and what it was answered."""

    headers: Mapping[str, str]
    body: bytes
    verified_with: tuple[str, ...]  # the trusted secrets whose signature it carried
    answered: int

    @property
    def verified(self) -> bool:
        return bool(self.verified_with)

    @property
    def webhook_id(self) -> str | None:
        return self.headers.get("webhook-id")

    @property
    def payload(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class _Planned:
    status: int
    headers: Mapping[str, str]
    delay_seconds: float


@dataclass
class WebhookReceiver:
    url: str = ""
    calls: list[ReceivedCall] = field(default_factory=list)
    _secrets: list[str] = field(default_factory=list)
    _planned: deque[_Planned] = field(default_factory=deque)

    def trust(self, *secrets: str) -> None:
        """Verify calls with these secrets too (a receiver switching after a rotation
        trusts the old and the new one)."""
        self._secrets.extend(s for s in secrets if s not in self._secrets)

    def respond_next(
        self,
        count: int,
        status: int,
        *,
        headers: Mapping[str, str] | None = None,
        delay_seconds: float = 0.0,
    ) -> None:
        """The next `count` verified calls answer `status` (with `headers`, such as
        Retry-After or Location), after `delay_seconds`; later ones answer 204 again."""
        for _ in range(count):
            self._planned.append(_Planned(status, dict(headers or {}), delay_seconds))

    @property
    def deliveries(self) -> list[ReceivedCall]:
        """The calls that verified and were answered 2xx: what the receiver accepted."""
        return [c for c in self.calls if c.verified and 200 <= c.answered < 300]

    async def wait_for_deliveries(self, count: int, *, within: float = 30) -> list[ReceivedCall]:
        async def enough() -> list[ReceivedCall] | None:
            return self.deliveries if len(self.deliveries) >= count else None

        return await eventually(enough, within=within, what=f"{count} webhook deliveries")

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}
        verified_with = tuple(s for s in self._secrets if _verifies(s, body, headers))
        planned = self._planned.popleft() if verified_with and self._planned else None
        if planned is not None and planned.delay_seconds:
            await asyncio.sleep(planned.delay_seconds)
        status = 401 if not verified_with else planned.status if planned else 204
        self.calls.append(ReceivedCall(headers, body, verified_with, status))
        return web.Response(status=status, headers=planned.headers if planned else None)


def _verifies(secret: str, body: bytes, headers: dict[str, str]) -> bool:
    try:
        Webhook(secret).verify(body, headers)
    except (WebhookVerificationError, ValueError):
        return False
    return True


@asynccontextmanager
async def webhook_receiver(*secrets: str) -> AsyncIterator[WebhookReceiver]:
    """A receiver listening on 127.0.0.1 at a free port; its `url` ends in /hook."""
    receiver = WebhookReceiver()
    receiver.trust(*secrets)
    app = web.Application()
    app.router.add_post(PATH, receiver._handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        receiver.url = f"http://{host}:{port}{PATH}"
        yield receiver
    finally:
        await runner.cleanup()
