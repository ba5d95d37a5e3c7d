"""Sends one signed webhook and says how the attempt ended; it never retries by itself.

2xx is sent. 429 (with its Retry-After), 5xx, timeouts and connection errors are
transient. 410 Gone is permanent and disables the subscription: the sender records it
itself (`GoneRecorder`, the subscription store's `mark_gone`), so every caller gets the
same behaviour, and answers the distinct reason `http_410`. Any other 4xx is permanent.

Redirects are never followed, and a 3xx is permanent (`http_301`, `http_307`...): the body is signed
for the subscription's URL, and following a redirect would replay a valid signed message
to a host nobody verified (a compromised or expired domain could point it anywhere, and a
receiver holding the secret there would accept it). A receiver that moved is updated by
the admin command.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

import httpx
from nigrani_shared.clock import utc_now

from nigrani_notify.channels.http_status import classify_status
from nigrani_notify.messages import SendResult
from nigrani_notify.webhooks.signing import webhook_headers
from nigrani_notify.webhooks.subscription import Subscription

logger = logging.getLogger(__name__)
DEFAULT_TIMEOUT_SECONDS = 10.0
GONE = "http_410"
USER_AGENT = "Nigrani-Webhooks/1"


class GoneRecorder(Protocol):
    async def mark_gone(self, subscription_id: str) -> None: ...


class WebhookSender:
    """`client` is owned by the caller (the service's lifespan); every request is sent
    with `follow_redirects=False` and this sender's timeout, whatever the client's
    defaults."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        gone: GoneRecorder,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._client = client
        self._gone = gone
        self._timeout = httpx.Timeout(timeout_seconds)
        self._clock = clock

    async def send(self, key: str, subscription: Subscription, body: bytes) -> SendResult:
        """One attempt: `key` is the delivery key, sent as `webhook-id` (the same on every
        retry, so the receiver can drop a duplicate); the timestamp is this attempt's."""
        if subscription.disabled:
            return SendResult.permanent("subscription_disabled")
        now = self._clock()
        headers = webhook_headers(
            subscription.signing_secrets(now), key, int(now.timestamp()), body
        )
        headers["user-agent"] = USER_AGENT
        try:
            response = await self._client.post(
                subscription.url,
                content=body,
                headers=headers,
                timeout=self._timeout,
                follow_redirects=False,
            )
        except httpx.TimeoutException:
            return SendResult.transient("timeout")
        except (httpx.InvalidURL, httpx.UnsupportedProtocol):
            return SendResult.permanent("invalid_url")
        except httpx.TransportError:
            return SendResult.transient("connection_error")
        return await self._outcome(subscription, response, now)

    async def _outcome(
        self, subscription: Subscription, response: httpx.Response, now: datetime
    ) -> SendResult:
        """As every gateway's answer (channels/http_status.py), but 410 Gone also disables
        the subscription; a 3xx is never followed and ends as permanent."""
        if response.status_code == 410:
            await self._gone.mark_gone(subscription.id)
            logger.warning(
                "webhook receiver answered 410 Gone: subscription disabled",
                extra={"subscription_id": subscription.id},
            )
            return SendResult.permanent(GONE)
        return classify_status(response.status_code, response.headers.get("retry-after"), now=now)
