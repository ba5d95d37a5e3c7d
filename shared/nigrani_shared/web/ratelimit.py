"""Rate limits as FastAPI dependencies: a route declares its bucket in one line,

    @router.post("", dependencies=[Depends(rate_limited("submit"))])

and a refused request gets 429 in the project's error shape with `Retry-After` (seconds).
`install_rate_limits` registers the 429 handler (in `create_app`); `start_rate_limiter`
builds the limiter from settings and runs its sync task for the lifespan.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client import Counter
from pydantic import SecretStr
from pymongo.asynchronous.database import AsyncDatabase

from nigrani_shared.ratelimit import store
from nigrani_shared.ratelimit.limiter import RateLimiter, client_key, running
from nigrani_shared.ratelimit.settings import Bucket, RateLimitSettings
from nigrani_shared.store.client import Document
from nigrani_shared.web.client_address import IPNetwork, client_address_from_scope
from nigrani_shared.web.errors import error_response

RATE_LIMITED = Counter(
    "nigrani_rate_limited_total", "Requests refused with 429, by bucket.", ["bucket"]
)


class RateLimitedError(Exception):
    def __init__(self, bucket: str, retry_after_seconds: int) -> None:
        super().__init__(bucket)
        self.bucket = bucket
        self.retry_after_seconds = retry_after_seconds


@dataclass(frozen=True)
class RateLimiting:
    """What the dependencies read from `app.state.rate_limiting`."""

    limiter: RateLimiter
    trusted_proxies: tuple[IPNetwork, ...]
    secret: bytes


def rate_limited(bucket: Bucket) -> Callable[[Request], Awaitable[None]]:
    """A dependency that counts the request against `bucket` for its client, or refuses
    it. Requests with no peer address (a Unix socket without a trusted proxy) are not
    counted."""

    async def _limit(request: Request) -> None:
        limiting: RateLimiting = request.app.state.rate_limiting
        address = client_address_from_scope(request.scope, limiting.trusted_proxies)
        if address is None:
            return
        decision = limiting.limiter.check(bucket, client_key(address, limiting.secret))
        if not decision.allowed:
            RATE_LIMITED.labels(bucket).inc()
            raise RateLimitedError(bucket, decision.retry_after_seconds)

    return _limit


async def _refused(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RateLimitedError)
    response = error_response(429, "too many requests from this address; retry later")
    response.headers["Retry-After"] = str(exc.retry_after_seconds)
    return response


def install_rate_limits(app: FastAPI) -> None:
    app.add_exception_handler(RateLimitedError, _refused)


async def start_rate_limiter(
    app: FastAPI,
    stack: AsyncExitStack,
    settings: RateLimitSettings,
    *,
    db: AsyncDatabase[Document],
    secret: SecretStr,
) -> RateLimiter:
    """Builds the limiter, runs its sync task until the stack closes, and publishes it to
    the app's dependencies."""
    limiter = RateLimiter(
        limits=settings.rate_limits(),
        window_seconds=settings.rate_limit_window_seconds,
        sync_seconds=settings.rate_limit_sync_seconds,
        store=store.MongoWindowStore(db[store.COLLECTION]),
    )
    await stack.enter_async_context(running(limiter))
    app.state.rate_limiting = RateLimiting(
        limiter, settings.trusted_proxies, secret.get_secret_value().encode()
    )
    return limiter
