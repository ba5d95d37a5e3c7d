"""The e-mail itself: one multipart/alternative message (plain text and HTML, UTF-8).

Its Message-ID comes from the delivery key, so a resend after a crash (the server had the
message, the mark was lost) carries the same Message-ID and mail clients that thread or
hide by it show one message. The bodies are base64 or quoted-printable and headers with
Urdu are RFC 2047 encoded, so no relay on the way needs 8BITMIME or SMTPUTF8. Addresses are
plain ASCII (an internationalised domain in its xn-- form): a mailbox with non-ASCII
letters would need SMTPUTF8 on every hop, which a citizen's provider cannot promise. A
header value with a line break is refused by the `email` package, which keeps a crafted
subject from adding headers.

Pure: no I/O, the time is given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from nigrani_notify.messages import Language, Rendered

# Bodies are encoded 7-bit (base64 or quoted-printable) when set, whatever the server.
_POLICY = SMTP.clone(cte_type="7bit")
# One ASCII address, no display name or comments: what a recipient record may hold.
_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


class InvalidMessage(ValueError):
    """The message cannot be built; `reason` is a short code safe for logs."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Envelope:
    """Who the mail is from and how to answer it, from the channel's settings."""

    from_address: str
    from_name: str
    reply_to: str | None
    message_id_domain: str
    list_unsubscribe: str | None  # the header's value, already filled in
    one_click_unsubscribe: bool


def is_valid_address(address: str) -> bool:
    return bool(_ADDRESS.match(address))


def message_id(key: str, domain: str) -> str:
    return f"<{key}@{domain}>"


def compose(
    key: str,
    to_address: str,
    language: Language,
    rendered: Rendered,
    envelope: Envelope,
    *,
    now: datetime,
) -> EmailMessage:
    """Raises InvalidMessage (`invalid_address`, `no_subject`, `invalid_message`)."""
    if not is_valid_address(to_address):
        raise InvalidMessage("invalid_address")
    if not rendered.subject:
        raise InvalidMessage("no_subject")
    message = EmailMessage(policy=_POLICY)
    try:
        message["Message-ID"] = message_id(key, envelope.message_id_domain)
        message["Date"] = format_datetime(now)
        message["From"] = Address(envelope.from_name, addr_spec=envelope.from_address)
        message["To"] = to_address
        if envelope.reply_to:
            message["Reply-To"] = envelope.reply_to
        message["Subject"] = rendered.subject
        # RFC 3834: an automatic message, so vacation responders do not answer it.
        message["Auto-Submitted"] = "auto-generated"
        if envelope.list_unsubscribe:
            message["List-Unsubscribe"] = envelope.list_unsubscribe
            if envelope.one_click_unsubscribe:
                message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message.set_content(rendered.text, charset="utf-8")
        if rendered.html is not None:
            message.add_alternative(rendered.html, subtype="html", charset="utf-8")
        # After the body: setting content replaces every Content-* header.
        message["Content-Language"] = language
    except ValueError as error:  # a line break in a header value, a malformed address
        raise InvalidMessage("invalid_message") from error
    return message
