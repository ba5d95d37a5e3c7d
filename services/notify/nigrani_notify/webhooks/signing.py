"""Standard Webhooks signatures: `v1,<base64 HMAC-SHA256>` over `{id}.{timestamp}.{body}`,
keyed with the base64-decoded secret.

Several signatures travel space-separated in one `webhook-signature` header while a
rotated secret is still in its grace period: a receiver holding either secret verifies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence

from nigrani_notify.webhooks.subscription import decode_secret

SIGNATURE_VERSION = "v1"


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """One signature, `v1,<base64>`."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(decode_secret(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode()}"


def signature_header(secrets: Sequence[str], message_id: str, timestamp: int, body: bytes) -> str:
    if not secrets:
        raise ValueError("at least one secret signs a webhook")
    return " ".join(sign(s, message_id, timestamp, body) for s in secrets)


def webhook_headers(
    secrets: Sequence[str], message_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The headers of one attempt: `message_id` is the delivery key (the same on every
    retry, so a receiver can drop duplicates), `timestamp` the attempt's, in seconds."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(secrets, message_id, timestamp, body),
        "content-type": "application/json",
    }
