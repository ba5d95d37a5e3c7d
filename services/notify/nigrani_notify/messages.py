"""The words every part of notify shares: what a message is, where it goes, how a send ended.

A delivery is one message of one kind, for one recipient, on one channel, caused by one
event. Its key (event id x channel x recipient) is the idempotency key recorded before the
send and handed to every gateway that accepts one, so that a redelivered event or a retry
after a crash never becomes a second message.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from typing import Literal, get_args

Channel = Literal["email", "sms", "webhook"]
CHANNELS: tuple[Channel, ...] = ("email", "sms", "webhook")
Language = Literal["en", "ur"]
LANGUAGES: tuple[Language, ...] = ("en", "ur")
Audience = Literal["citizen", "staff", "subscriber"]

# What a citizen hears about their own request.
CitizenKind = Literal[
    "received",
    "routed",
    "awaiting_information",
    "resolved",
    "reopened",
    "closed",
    "overdue",
    "escalated",
]
# What an official hears about work that is theirs.
StaffKind = Literal[
    "staff_assigned",
    "staff_waiting",
    "staff_sla_warning",
    "staff_sla_breached",
    "staff_escalated",
]
MessageKind = CitizenKind | StaffKind
CITIZEN_KINDS: tuple[CitizenKind, ...] = get_args(CitizenKind)
STAFF_KINDS: tuple[StaffKind, ...] = get_args(StaffKind)
# Channels that carry a rendered template (webhooks carry the event itself).
TEMPLATED_CHANNELS: tuple[Channel, ...] = ("email", "sms")


def delivery_key(event_id: str, channel: Channel, recipient: str) -> str:
    """The idempotency key of a delivery: stable across redeliveries and replicas, and
    free of the recipient's address (the recipient is a reference such as `citizen`,
    `staff:<id>` or `subscription:<id>`)."""
    digest = hashlib.sha256(f"{event_id}\x1f{channel}\x1f{recipient}".encode()).hexdigest()
    return digest[:32]


@dataclass(frozen=True)
class Rendered:
    """A message ready for its channel: e-mail has a subject, a text and an HTML part;
    SMS has the text only."""

    text: str
    subject: str | None = None
    html: str | None = None


class SendOutcome(enum.Enum):
    SENT = "sent"
    TRANSIENT = "transient"  # timeouts, connection errors, 5xx, 429: tried again later
    PERMANENT = "permanent"  # 4xx, an invalid address, a message too long: never again


@dataclass(frozen=True)
class SendResult:
    """How one attempt ended. `reason` is a short code safe for logs, metrics and events
    (`smtp_550`, `http_503`, `timeout`, `too_long`): never an address or message text."""

    outcome: SendOutcome
    reason: str
    retry_after_seconds: float | None = None
    segments: int | None = None  # SMS: how many segments the gateway was given

    @classmethod
    def sent(cls, reason: str = "ok", *, segments: int | None = None) -> SendResult:
        return cls(SendOutcome.SENT, reason, segments=segments)

    @classmethod
    def transient(cls, reason: str, retry_after_seconds: float | None = None) -> SendResult:
        return cls(SendOutcome.TRANSIENT, reason, retry_after_seconds)

    @classmethod
    def permanent(cls, reason: str) -> SendResult:
        return cls(SendOutcome.PERMANENT, reason)
