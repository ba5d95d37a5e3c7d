"""SmsSender against a local HTTP server playing the gateway (tests/support/sms_gateway.py)."""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from nigrani_localinfra.ports import free_ports
from nigrani_notify.channels.segments import count_segments, split_text
from nigrani_notify.channels.sms import SmsGatewaySettings, SmsSender
from nigrani_notify.messages import SendOutcome, SendResult, delivery_key
from pydantic import ValidationError

from tests.support.sms_gateway import SmsGateway

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
KEY = delivery_key("event-1", "sms", "citizen")
NUMBER = "+923001234567"
TEXT = "Your request NGR-7KQ2-M4XD was received."
# "Your request has been received; you will be told of every step." (about 60 characters)
URDU = "آپ کی درخواست موصول ہو گئی ہے، ہر قدم پر آپ کو مطلع کیا جائے گا"


@pytest.fixture
async def gateway() -> AsyncIterator[SmsGateway]:
    async with SmsGateway() as running:
        yield running


def _sender(settings: SmsGatewaySettings) -> SmsSender:
    return SmsSender(settings, clock=lambda: NOW)


async def _send(settings: SmsGatewaySettings, text: str = TEXT, key: str = KEY) -> SendResult:
    sender = _sender(settings)
    try:
        return await sender.send(key, NUMBER, text)
    finally:
        await sender.aclose()


async def test_the_default_json_request(gateway: SmsGateway) -> None:
    result = await _send(SmsGatewaySettings(url=gateway.url))
    assert result == SendResult.sent(segments=1)
    [message] = gateway.messages
    assert message.content_type == "application/json"
    assert message.fields == {"to": NUMBER, "text": TEXT, "from": "NIGRANI"}
    assert message.header("Idempotency-Key") == KEY
    assert message.header("Authorization") is None


async def test_a_form_gateway_with_its_own_field_names_and_basic_auth() -> None:
    async with SmsGateway(idempotency_header=None, idempotency_field="ref") as gateway:
        settings = SmsGatewaySettings(
            url=gateway.url,
            format="form",
            auth="basic",
            username="punjab",
            password="s3cret",
            to_field="msisdn",
            text_field="message",
            sender_field="mask",
            key_field="ref",
            extra_fields={"lang": "auto", "dlr": "0"},
            sender_id="PITB",
            number_format="digits",
            idempotency_header=None,
        )
        assert await _send(settings) == SendResult.sent(segments=1)
    [message] = gateway.messages
    assert message.content_type == "application/x-www-form-urlencoded"
    assert message.fields == {
        "msisdn": "923001234567",
        "message": TEXT,
        "mask": "PITB",
        "ref": KEY,
        "lang": "auto",
        "dlr": "0",
    }
    assert message.header("Idempotency-Key") is None
    expected = base64.b64encode(b"punjab:s3cret").decode()
    assert message.header("Authorization") == f"Basic {expected}"


async def test_bearer_and_api_key_header_auth(gateway: SmsGateway) -> None:
    bearer = SmsGatewaySettings(url=gateway.url, auth="bearer", token="tok-1")
    api_key = SmsGatewaySettings(
        url=gateway.url, auth="header", auth_header="X-API-Key", token="key-2"
    )
    assert (await _send(bearer, key="k1")).outcome is SendOutcome.SENT
    assert (await _send(api_key, key="k2")).outcome is SendOutcome.SENT
    first, second = gateway.messages
    assert first.header("Authorization") == "Bearer tok-1"
    assert second.header("X-API-Key") == "key-2"
    assert second.header("Authorization") is None


async def test_a_resend_with_the_same_key_is_one_message_at_the_gateway(
    gateway: SmsGateway,
) -> None:
    settings = SmsGatewaySettings(url=gateway.url)
    assert (await _send(settings)).outcome is SendOutcome.SENT
    assert (await _send(settings)).outcome is SendOutcome.SENT
    assert len(gateway.requests) == 2
    assert len(gateway.messages) == 1


@pytest.mark.parametrize(
    ("retry_after", "seconds"),
    [("7", 7.0), ("Sat, 28 Nov 2026 09:31:00 GMT", 60.0), ("soon", None), (None, None)],
)
async def test_429_is_transient_and_keeps_retry_after(
    gateway: SmsGateway, retry_after: str | None, seconds: float | None
) -> None:
    gateway.fail_next(1, 429, retry_after=retry_after)
    result = await _send(SmsGatewaySettings(url=gateway.url))
    assert result == SendResult.transient("http_429", seconds)
    assert gateway.messages == []


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (503, SendResult.transient("http_503")),
        (500, SendResult.transient("http_500")),
        (400, SendResult.permanent("http_400")),
        (401, SendResult.permanent("http_401")),
        (422, SendResult.permanent("http_422")),
    ],
)
async def test_statuses_are_classified(
    gateway: SmsGateway, status: int, expected: SendResult
) -> None:
    gateway.fail_next(1, status)
    assert await _send(SmsGatewaySettings(url=gateway.url)) == expected
    # Only the one call failed; the next goes through.
    assert (await _send(SmsGatewaySettings(url=gateway.url))).outcome is SendOutcome.SENT


async def test_a_slow_gateway_is_a_transient_timeout(gateway: SmsGateway) -> None:
    gateway.slow_next(1, seconds=2)
    result = await _send(SmsGatewaySettings(url=gateway.url, timeout_seconds=0.3))
    assert result == SendResult.transient("timeout")


async def test_nothing_listening_is_transient() -> None:
    [port] = free_ports(1)
    result = await _send(SmsGatewaySettings(url=f"http://127.0.0.1:{port}/sms"))
    assert result == SendResult.transient("connection")


async def test_a_text_within_max_segments_goes_as_one_concatenated_message(
    gateway: SmsGateway,
) -> None:
    text = URDU + " " + URDU  # over 70 UTF-16 units: two segments
    assert count_segments(text).segments == 2
    result = await _send(SmsGatewaySettings(url=gateway.url, max_segments=2), text)
    assert result == SendResult.sent(segments=2)
    [message] = gateway.messages
    assert message.fields["text"] == text
    assert message.key == KEY


async def test_a_long_urdu_text_is_split_into_one_segment_parts_with_their_own_keys(
    gateway: SmsGateway,
) -> None:
    text = " ".join([URDU] * 4)
    settings = SmsGatewaySettings(url=gateway.url, max_segments=2, long_message="split")
    result = await _send(settings, text)
    parts = [message.fields["text"] for message in gateway.messages]
    assert len(parts) >= 4
    assert result == SendResult.sent(segments=len(parts))
    assert "".join(parts) == text
    assert all(count_segments(part).segments == 1 for part in parts)
    assert [message.key for message in gateway.messages] == [
        f"{KEY}-{index}" for index in range(1, len(parts) + 1)
    ]


async def test_a_split_send_that_fails_midway_is_completed_by_the_retry_without_repeats(
    gateway: SmsGateway,
) -> None:
    text = " ".join([URDU] * 4)
    parts = split_text(text)
    settings = SmsGatewaySettings(url=gateway.url, max_segments=1)
    gateway.fail_next(1, 503, after=1)  # part 1 is accepted, part 2 answers 503
    assert await _send(settings, text) == SendResult.transient("http_503")
    assert len(gateway.messages) == 1
    assert len(gateway.requests) == 2  # no part after the failure was tried

    assert await _send(settings, text) == SendResult.sent(segments=len(parts))
    # The retry sent every part again; the gateway's idempotency kept part 1 once.
    assert len(gateway.requests) == 2 + len(parts)
    assert [message.fields["text"] for message in gateway.messages] == parts


async def test_a_long_text_is_refused_when_the_policy_says_so(gateway: SmsGateway) -> None:
    settings = SmsGatewaySettings(url=gateway.url, max_segments=1, long_message="refuse")
    assert await _send(settings, "x" * 161) == SendResult.permanent("too_long")
    assert await _send(settings, "x" * 160) == SendResult.sent(segments=1)
    assert len(gateway.requests) == 1


async def test_a_split_beyond_max_parts_is_refused(gateway: SmsGateway) -> None:
    settings = SmsGatewaySettings(url=gateway.url, max_segments=1, max_parts=2)
    assert await _send(settings, "word " * 100) == SendResult.permanent("too_long")
    assert gateway.requests == []


@pytest.mark.parametrize("number", ["0300-1234567", "12345", "+0923001234567", "+92 300 1234567"])
async def test_an_invalid_number_is_permanent_and_nothing_is_sent(
    gateway: SmsGateway, number: str
) -> None:
    sender = _sender(SmsGatewaySettings(url=gateway.url))
    try:
        assert await sender.send(KEY, number, TEXT) == SendResult.permanent("invalid_number")
    finally:
        await sender.aclose()
    assert gateway.requests == []


async def test_neither_the_number_nor_the_text_reaches_the_logs(
    gateway: SmsGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    gateway.fail_next(1, 503)
    settings = SmsGatewaySettings(url=gateway.url)
    assert (await _send(settings)).outcome is SendOutcome.TRANSIENT
    assert (await _send(settings)).outcome is SendOutcome.SENT
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert "sms send failed" in logged
    assert "3001234567" not in logged
    assert "NGR-7KQ2" not in logged


def test_settings_refuse_incomplete_auth_and_clashing_fields() -> None:
    with pytest.raises(ValidationError, match="needs token"):
        SmsGatewaySettings(auth="bearer")
    with pytest.raises(ValidationError, match="needs username, password"):
        SmsGatewaySettings(auth="basic")
    with pytest.raises(ValidationError, match="needs auth_header"):
        SmsGatewaySettings(auth="header", token="t")
    with pytest.raises(ValidationError, match="distinct"):
        SmsGatewaySettings(to_field="text")
    with pytest.raises(ValidationError, match="distinct"):
        SmsGatewaySettings(extra_fields={"from": "x"})
    with pytest.raises(ValidationError, match="header name"):
        SmsGatewaySettings(idempotency_header="Idempotency Key")
