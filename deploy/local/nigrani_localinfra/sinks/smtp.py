"""The SMTP side of the sinks: aiosmtpd accepts every message and the inbox keeps it
parsed (headers decoded, the text and HTML parts as text)."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from .inbox import Inbox, Record


class MailHandler:
    def __init__(self, inbox: Inbox) -> None:
        self._inbox = inbox

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or b""
        await self._inbox.add("mail", parse_mail(bytes(data), list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


def parse_mail(data: bytes, recipients: list[str]) -> Record:
    message = message_from_bytes(data, policy=policy.default)
    return {
        "from": str(message.get("From", "")),
        "to": recipients,
        "subject": str(message.get("Subject", "")),
        "message_id": str(message.get("Message-ID", "")),
        "language": str(message.get("Content-Language", "")),
        "text": _body(message, "plain"),
        "html": _body(message, "html"),
    }


def _body(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if part is None:
        return None
    content: Any = part.get_content()
    return str(content).replace("\r\n", "\n")


def smtp_protocol(inbox: Inbox) -> SMTP:
    return SMTP(MailHandler(inbox), hostname="nigrani-sink", enable_SMTPUTF8=True)
