"""E-mail over SMTP (aiosmtplib): one connection per send, and an outcome for each.

One connection per message keeps the sender free of shared state (no connection to
re-open after the server drops it, no lock); at the volumes of a notification service the
extra handshake is cheap next to the store writes each delivery costs. A rate limit per
gateway belongs to the caller.

How an attempt ends:
- the server accepted the message: sent;
- no answer, a refused or dropped connection, a timeout, a TLS failure, an SMTP 4xx reply:
  transient (`connection`, `timeout`, `tls`, `smtp_451`, ...);
- a 5xx reply to the recipient or to the message (`smtp_550`, `smtp_553`, `smtp_554`), or
  an address or message that cannot be built (`invalid_address`): permanent;
- a refusal of *our* side (authentication `smtp_auth_535`, the sender address
  `smtp_sender_550`, an extension the server lacks `smtp_not_supported`, STARTTLS required
  and not offered `smtp_protocol`) is transient even
  when its code is 5xx: it is a configuration fault that fails every message alike, so the
  deliveries wait for the operator's fix (bounded by the caller's retry limit) instead of
  all failing for good.
Reasons are codes only: the server's reply text often quotes the address, so it is never
kept.
"""

from __future__ import annotations

import logging
import ssl
import string
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

import aiosmtplib
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from nigrani_notify.channels.mime import Envelope, InvalidMessage, compose, is_valid_address
from nigrani_notify.messages import Language, Rendered, SendResult

log = logging.getLogger(__name__)


class EmailSettings(BaseModel):
    """The SMTP relay and the sender's identity. Defaults point at the local sink that
    `make up` runs (127.0.0.1:1025, no TLS)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=1025, ge=1, le=65535)
    # none: plain SMTP; starttls: upgrade required (refuses a server without it);
    # tls: implicit TLS from the first byte (port 465).
    security: Literal["none", "starttls", "tls"] = "none"
    validate_certs: bool = True
    ca_file: str | None = None  # a PEM bundle to trust instead of the system's
    username: str | None = None
    password: SecretStr | None = None
    from_address: str = "notify@nigrani.localhost"
    from_name: str = "Nigrani"
    reply_to: str | None = None
    timeout_seconds: float = Field(default=30.0, gt=0)
    message_id_domain: str = Field(default="nigrani.localhost", pattern=r"^[A-Za-z0-9.-]+$")
    # The List-Unsubscribe value, such as "<https://example.gov.pk/unsubscribe/{key}>"
    # or "<mailto:unsubscribe@example.gov.pk?subject={key}>": `{key}` is the delivery key.
    list_unsubscribe: str | None = None
    # RFC 8058 one-click (List-Unsubscribe-Post): only for an https URL that unsubscribes
    # on a POST without further questions.
    list_unsubscribe_one_click: bool = False

    @field_validator("from_address", "reply_to")
    @classmethod
    def _one_address(cls, value: str | None) -> str | None:
        if value is not None and not is_valid_address(value):
            raise ValueError("must be one plain address (name@domain)")
        return value

    @field_validator("list_unsubscribe")
    @classmethod
    def _only_the_key_placeholder(cls, value: str | None) -> str | None:
        if value is None:
            return None
        names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        if names - {"key"}:
            raise ValueError("the only placeholder allowed is {key}")
        if not (value.startswith("<") and value.endswith(">")):
            raise ValueError("must be one or more <...> URIs, e.g. <https://...>")
        return value

    @model_validator(mode="after")
    def _credentials_in_pairs(self) -> EmailSettings:
        if (self.username is None) != (self.password is None):
            raise ValueError("username and password go together (set both or neither)")
        return self

    def envelope(self, key: str) -> Envelope:
        return Envelope(
            from_address=self.from_address,
            from_name=self.from_name,
            reply_to=self.reply_to,
            message_id_domain=self.message_id_domain,
            list_unsubscribe=(
                self.list_unsubscribe.format(key=key) if self.list_unsubscribe else None
            ),
            one_click_unsubscribe=self.list_unsubscribe_one_click,
        )


class EmailSender:
    """Sends one rendered message per call; never retries (the caller's durable retries do)."""

    def __init__(
        self, settings: EmailSettings, *, clock: Callable[[], datetime] | None = None
    ) -> None:
        self._settings = settings
        self._clock = clock or (lambda: datetime.now(UTC))
        self._tls_context = _tls_context(settings) if settings.security != "none" else None

    async def send(
        self, key: str, to_address: str, language: Language, rendered: Rendered
    ) -> SendResult:
        settings = self._settings
        try:
            message = compose(
                key, to_address, language, rendered, settings.envelope(key), now=self._clock()
            )
        except InvalidMessage as invalid:
            return SendResult.permanent(invalid.reason)
        try:
            await aiosmtplib.send(
                message,
                sender=settings.from_address,
                recipients=[to_address],
                hostname=settings.host,
                port=settings.port,
                username=settings.username,
                password=settings.password.get_secret_value() if settings.password else None,
                use_tls=settings.security == "tls",
                start_tls=settings.security == "starttls",
                tls_context=self._tls_context,
                timeout=settings.timeout_seconds,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            result = classify(error)
            log.info("smtp send failed", extra={"delivery_key": key, "reason": result.reason})
            return result
        return SendResult.sent()


def classify(error: BaseException) -> SendResult:
    """The outcome of a failed attempt (see the module docstring)."""
    match error:
        case aiosmtplib.SMTPRecipientsRefused(recipients=[first, *_]):
            return _by_code(first.code, "smtp")
        case aiosmtplib.SMTPAuthenticationError(code=code):
            return SendResult.transient(f"smtp_auth_{code}")
        case aiosmtplib.SMTPSenderRefused(code=code):
            return SendResult.transient(f"smtp_sender_{code}")
        case aiosmtplib.SMTPConnectResponseError(code=code) | aiosmtplib.SMTPHeloError(code=code):
            return SendResult.transient(f"smtp_{code}")  # the server is not ready for us
        case aiosmtplib.SMTPResponseException(code=code):
            return _by_code(code, "smtp")
        case aiosmtplib.SMTPNotSupported():
            return SendResult.transient("smtp_not_supported")
        case TimeoutError():  # aiosmtplib's timeouts are TimeoutErrors too
            return SendResult.transient("timeout")
        case ssl.SSLError() | ssl.CertificateError():
            return SendResult.transient("tls")
        case aiosmtplib.SMTPConnectError() if isinstance(error.__cause__, ssl.SSLError):
            return SendResult.transient("tls")
        case aiosmtplib.SMTPServerDisconnected():
            return SendResult.transient("disconnected")
        case aiosmtplib.SMTPException() if not isinstance(error, ConnectionError):
            # The conversation went wrong without a reply code, e.g. STARTTLS required
            # and the server does not offer it.
            return SendResult.transient("smtp_protocol")
        case _:
            return SendResult.transient("connection")


def _by_code(code: int, prefix: str) -> SendResult:
    reason = f"{prefix}_{code}"
    if 500 <= code < 600:
        return SendResult.permanent(reason)
    return SendResult.transient(reason)


def _tls_context(settings: EmailSettings) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=settings.ca_file)
    if not settings.validate_certs:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
