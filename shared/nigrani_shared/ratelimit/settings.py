"""Rate-limit options, as a mixin a service's settings class inherits next to the shared base.

Each limit is a number of requests per client per window; 0 turns that bucket off.
`TRUSTED_PROXIES` is a comma-separated list of networks (`10.0.0.0/8,2001:db8::/32`) whose
X-Forwarded-For is believed; empty (the default) trusts nobody, so the TCP peer is the
client.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import NoDecode

from nigrani_shared.web.client_address import IPNetwork, parse_networks

Bucket = Literal["submit", "lookup", "token"]


class RateLimitSettings(BaseModel):
    rate_limit_submit: int = Field(default=10, ge=0)
    rate_limit_lookup: int = Field(default=120, ge=0)
    rate_limit_token: int = Field(default=10, ge=0)
    rate_limit_window_seconds: int = Field(default=60, ge=1, le=3600)
    rate_limit_sync_seconds: float = Field(default=1.0, gt=0, le=60)
    trusted_proxies: Annotated[tuple[IPNetwork, ...], NoDecode] = ()

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_networks(part for part in value.split(",") if part.strip())
        return value

    def rate_limits(self) -> dict[str, int]:
        """Requests per client per window, by bucket (0 = not limited)."""
        return {
            "submit": self.rate_limit_submit,
            "lookup": self.rate_limit_lookup,
            "token": self.rate_limit_token,
        }
