"""A webhook subscription: where to send, which events, with which secret.

The secret is in the Standard Webhooks form `whsec_<base64 of 24 to 32 random bytes>`, so
a receiver verifies with any Standard Webhooks library. After a rotation the previous
secret keeps signing for a grace period (several signatures travel in one
`webhook-signature` header), so a receiver can switch secrets without losing a message.
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from nigrani_shared.events import EVENT_MODELS

SUBSCRIPTION_ID_PREFIX = "sub_"
SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret
SECRET_BYTES = 32
#: How long the previous secret keeps signing after a rotation.
ROTATION_GRACE = timedelta(hours=24)
#: Notification events are never delivered to webhooks: a webhook delivery announces one,
#: which would be delivered again, and so on.
NEVER_DELIVERED_PREFIX = "org.nigrani.notification."
_PREFIX_FILTER = re.compile(r"^org\.nigrani\.([a-z0-9_]+\.)*\*$")
_MAX_DESCRIPTION = 200


class InvalidSubscriptionError(ValueError):
    """What an admin asked for cannot be a subscription (the message says why)."""


@dataclass(frozen=True)
class PreviousSecret:
    secret: str
    valid_until: datetime


@dataclass(frozen=True)
class Subscription:
    id: str
    url: str
    secret: str
    event_types: tuple[str, ...]
    description: str
    created_at: datetime
    disabled: bool = False
    #: Why it is disabled: `admin`, or `http_410` when the receiver answered 410 Gone.
    disabled_reason: str | None = None
    previous_secrets: tuple[PreviousSecret, ...] = field(default=())

    def accepts(self, event_type: str) -> bool:
        return is_deliverable(event_type) and any(
            filter_matches(f, event_type) for f in self.event_types
        )

    def signing_secrets(self, now: datetime) -> tuple[str, ...]:
        """The current secret first, then the previous ones still within their grace."""
        return (self.secret, *(p.secret for p in self.previous_secrets if p.valid_until > now))


def is_deliverable(event_type: str) -> bool:
    return not event_type.startswith(NEVER_DELIVERED_PREFIX)


def filter_matches(event_filter: str, event_type: str) -> bool:
    if event_filter.endswith("*"):
        return event_type.startswith(event_filter[:-1])
    return event_filter == event_type


def new_subscription_id() -> str:
    return SUBSCRIPTION_ID_PREFIX + secrets.token_hex(12)


def is_subscription_id(value: str) -> bool:
    return value.startswith(SUBSCRIPTION_ID_PREFIX)


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def decode_secret(secret: str) -> bytes:
    """The key bytes of a `whsec_` secret (what HMAC is keyed with)."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a webhook secret starts with whsec_")
    return base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)


def checked_url(url: str, *, allow_http: bool) -> str:
    """The target URL if it may be one: https (http only outside production), a host, no
    credentials (they would show in `list`) and no fragment."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as error:
        raise InvalidSubscriptionError(f"not a valid URL: {error}") from None
    allowed = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in allowed:
        raise InvalidSubscriptionError(f"the URL must use {' or '.join(allowed)}")
    if not parts.hostname:
        raise InvalidSubscriptionError("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise InvalidSubscriptionError("the URL must not carry credentials")
    if parts.fragment:
        raise InvalidSubscriptionError("the URL must not have a fragment")
    return url


def checked_event_types(event_types: list[str]) -> tuple[str, ...]:
    """The filters if each is a known event type or a prefix ending in `*` (such as
    `org.nigrani.sla.*`) that can match something deliverable; at least one."""
    if not event_types:
        raise InvalidSubscriptionError("at least one event type is required")
    for event_filter in event_types:
        if event_filter.endswith("*"):
            if not _PREFIX_FILTER.match(event_filter):
                raise InvalidSubscriptionError(
                    f"{event_filter}: a prefix looks like org.nigrani.sla.*"
                )
            if not any(filter_matches(event_filter, t) for t in EVENT_MODELS if is_deliverable(t)):
                raise InvalidSubscriptionError(f"{event_filter}: matches no deliverable event")
        elif event_filter not in EVENT_MODELS:
            raise InvalidSubscriptionError(f"{event_filter}: unknown event type")
        elif not is_deliverable(event_filter):
            raise InvalidSubscriptionError(f"{event_filter}: never delivered to webhooks")
    return tuple(dict.fromkeys(event_types))


def checked_description(description: str) -> str:
    description = description.strip()
    if len(description) > _MAX_DESCRIPTION or not description.isprintable():
        raise InvalidSubscriptionError(
            f"the description must be printable and at most {_MAX_DESCRIPTION} characters"
        )
    return description
