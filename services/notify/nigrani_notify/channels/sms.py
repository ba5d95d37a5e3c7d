"""SMS through a generic HTTP gateway: a JSON or form POST whose URL, authentication and
field names are configuration, so an existing government gateway plugs in without code.

The delivery key goes with every request (a header, a field, or both) so that a gateway
that honours idempotency keys turns a resend into a no-op.

A text longer than `max_segments` is refused (`too_long`, permanent) or, with
`long_message="split"`, sent as consecutive messages of one segment each, cut at words;
part i (from 1) carries the key `<key>-<i>`. Parts go out in order and the first failure
ends the attempt; the retry sends every part again, and the gateway's idempotency drops
the parts it already accepted. A gateway without idempotency keys can therefore repeat the
parts sent before a failure.

The number and the text are never logged; outcomes carry status codes only.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from nigrani_notify.channels.http_status import classify_status
from nigrani_notify.channels.segments import count_segments, split_text
from nigrani_notify.messages import SendOutcome, SendResult

log = logging.getLogger(__name__)

_NUMBER = re.compile(r"^\+?[1-9][0-9]{6,14}$")  # E.164: at most 15 digits


class SmsGatewaySettings(BaseModel):
    """The gateway's request shape. Defaults match the local sink that `make up` runs
    (JSON to http://127.0.0.1:8025/sms with an Idempotency-Key header)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = Field(default="http://127.0.0.1:8025/sms", pattern=r"^https?://\S+$")
    format: Literal["json", "form"] = "json"
    # bearer: "Authorization: Bearer <token>"; basic: username and password;
    # header: "<auth_header>: <token>" (an API key header such as X-API-Key).
    auth: Literal["none", "bearer", "basic", "header"] = "none"
    token: SecretStr | None = None
    username: str | None = None
    password: SecretStr | None = None
    auth_header: str | None = None
    # Which request field carries what; None leaves the field out.
    to_field: str = "to"
    text_field: str = "text"
    sender_field: str | None = "from"
    key_field: str | None = None
    extra_fields: dict[str, str] = Field(default_factory=dict)  # sent as they are
    sender_id: str | None = "NIGRANI"
    # e164 sends "+923001234567"; digits sends "923001234567".
    number_format: Literal["e164", "digits"] = "e164"
    idempotency_header: str | None = "Idempotency-Key"
    timeout_seconds: float = Field(default=10.0, gt=0)
    max_segments: int = Field(default=4, ge=1)
    long_message: Literal["split", "refuse"] = "split"
    max_parts: int = Field(default=10, ge=1)  # a split text longer than this is refused

    @field_validator("auth_header", "idempotency_header")
    @classmethod
    def _header_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9-]+", value):
            raise ValueError("must be a header name (letters, digits, '-')")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SmsGatewaySettings:
        required: dict[str, dict[str, object]] = {
            "bearer": {"token": self.token},
            "basic": {"username": self.username, "password": self.password},
            "header": {"auth_header": self.auth_header, "token": self.token},
        }
        missing = [name for name, value in required.get(self.auth, {}).items() if value is None]
        if missing:
            raise ValueError(f"auth={self.auth} needs {', '.join(missing)}")
        mapped = [self.to_field, self.text_field, self.sender_field, self.key_field]
        names = [name for name in mapped if name is not None]
        if len(set(names)) != len(names) or set(names) & set(self.extra_fields):
            raise ValueError("to/text/sender/key fields and extra_fields must be distinct")
        return self


class SmsSender:
    """Sends one text per call, as one message or as split parts; never retries.

    Give it the service's httpx.AsyncClient, or let it own one (closed by `aclose`)."""

    def __init__(
        self,
        settings: SmsGatewaySettings,
        *,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._settings = settings
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient()
        self._clock = clock or (lambda: datetime.now(UTC))

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def send(self, key: str, to_number: str, text: str) -> SendResult:
        settings = self._settings
        if not _NUMBER.match(to_number):
            return SendResult.permanent("invalid_number")
        number = to_number.lstrip("+") if settings.number_format == "digits" else to_number
        parts = plan_parts(text, settings)
        if parts is None:
            return SendResult.permanent("too_long")
        if len(parts) == 1:
            result = await self._post(key, number, text)
            segments = count_segments(text).segments
        else:
            result = await self._post_parts(key, number, parts)
            segments = len(parts)
        if result.outcome is SendOutcome.SENT:
            return SendResult.sent(segments=segments)
        log.info("sms send failed", extra={"delivery_key": key, "reason": result.reason})
        return result

    async def _post_parts(self, key: str, number: str, parts: list[str]) -> SendResult:
        """Every part in order, each under its own key; the first failure ends it."""
        result = SendResult.sent()
        for index, part in enumerate(parts, start=1):
            result = await self._post(f"{key}-{index}", number, part)
            if result.outcome is not SendOutcome.SENT:
                break
        return result

    async def _post(self, key: str, number: str, text: str) -> SendResult:
        settings = self._settings
        fields = _fields(settings, key, number, text)
        try:
            response = await self._client.post(
                settings.url,
                json=fields if settings.format == "json" else None,
                data=fields if settings.format == "form" else None,
                headers=_headers(settings, key),
                auth=_basic_auth(settings) or httpx.USE_CLIENT_DEFAULT,
                timeout=settings.timeout_seconds,
            )
        except httpx.TimeoutException:
            return SendResult.transient("timeout")
        except httpx.HTTPError:  # refused, reset, DNS, TLS: the gateway is not reachable
            return SendResult.transient("connection")
        return classify_status(
            response.status_code, response.headers.get("retry-after"), now=self._clock()
        )


def plan_parts(text: str, settings: SmsGatewaySettings) -> list[str] | None:
    """The texts to send: the whole text when it fits `max_segments`, else its
    one-segment parts when splitting is allowed and they are at most `max_parts`; None
    when the text is too long."""
    if count_segments(text).segments <= settings.max_segments:
        return [text]
    if settings.long_message == "refuse":
        return None
    parts = split_text(text)
    return parts if len(parts) <= settings.max_parts else None


def _fields(settings: SmsGatewaySettings, key: str, number: str, text: str) -> dict[str, str]:
    fields = dict(settings.extra_fields)
    fields[settings.to_field] = number
    fields[settings.text_field] = text
    if settings.sender_field is not None and settings.sender_id is not None:
        fields[settings.sender_field] = settings.sender_id
    if settings.key_field is not None:
        fields[settings.key_field] = key
    return fields


def _headers(settings: SmsGatewaySettings, key: str) -> Mapping[str, str]:
    headers: dict[str, str] = {}
    if settings.idempotency_header is not None:
        headers[settings.idempotency_header] = key
    if settings.auth == "bearer" and settings.token is not None:
        headers["Authorization"] = f"Bearer {settings.token.get_secret_value()}"
    if settings.auth == "header" and settings.auth_header and settings.token is not None:
        headers[settings.auth_header] = settings.token.get_secret_value()
    return headers


def _basic_auth(settings: SmsGatewaySettings) -> httpx.BasicAuth | None:
    if settings.auth != "basic" or settings.username is None or settings.password is None:
        return None
    return httpx.BasicAuth(settings.username, settings.password.get_secret_value())
