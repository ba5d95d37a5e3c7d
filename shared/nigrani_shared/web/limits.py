"""How much and how slowly a client may send before the HTTP server gives up on it.

A citizen's form is a few kilobytes sent in milliseconds. A client that sends megabytes,
or one byte a second, is either broken or trying to hold a worker and a socket: it is
answered (413, 408) and its connection closed, so it costs a bounded amount of memory and
time. The settings live in a mixin so a service opts in by adding it to its settings class.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field

DEFAULT_MAX_BODY_BYTES = 64 * 1024
DEFAULT_BODY_TIMEOUT_SECONDS = 15.0
DEFAULT_HEADER_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class HttpLimits:
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    body_timeout_seconds: float = DEFAULT_BODY_TIMEOUT_SECONDS
    header_timeout_seconds: float = DEFAULT_HEADER_TIMEOUT_SECONDS


class HttpLimitsSettings(BaseModel):
    """Mixin for a service's settings class (`class XSettings(NigraniSettings,
    HttpLimitsSettings)`); read from MAX_BODY_BYTES, HTTP_BODY_TIMEOUT_SECONDS and
    HTTP_HEADER_TIMEOUT_SECONDS. A plain model, so it adds fields without overriding the
    settings base's configuration."""

    max_body_bytes: int = Field(
        default=DEFAULT_MAX_BODY_BYTES, gt=0, description="Largest request body accepted."
    )
    http_body_timeout_seconds: float = Field(
        default=DEFAULT_BODY_TIMEOUT_SECONDS,
        gt=0,
        description="Time allowed to receive a whole request body, from its headers on.",
    )
    http_header_timeout_seconds: float = Field(
        default=DEFAULT_HEADER_TIMEOUT_SECONDS,
        gt=0,
        description="Time allowed to receive a request's headers, from the connection's opening "
        "or the request's first byte.",
    )

    @property
    def http_limits(self) -> HttpLimits:
        return HttpLimits(
            max_body_bytes=self.max_body_bytes,
            body_timeout_seconds=self.http_body_timeout_seconds,
            header_timeout_seconds=self.http_header_timeout_seconds,
        )
