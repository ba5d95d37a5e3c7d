"""EmailSender against a real SMTP server (aiosmtpd) started by the test, the received
mail parsed with the `email` package."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from nigrani_localinfra.ports import free_ports
from nigrani_notify.channels.email import EmailSender, EmailSettings
from nigrani_notify.messages import Rendered, SendOutcome, SendResult, delivery_key
from pydantic import SecretStr, ValidationError

from tests.support.smtp_sink import SmtpSink
from tests.support.tls import Certificate, self_signed, server_context

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
KEY = delivery_key("event-1", "email", "citizen")
TO = "ayesha@example.pk"
URDU_SUBJECT = "آپ کی درخواست NGR-7KQ2-M4XD موصول ہو گئی"
URDU = Rendered(
    subject=URDU_SUBJECT,
    text="آپ کی درخواست موصول ہو گئی۔\nٹریکنگ کوڈ: NGR-7KQ2-M4XD",  # noqa: RUF001
    html=(
        '<!doctype html><html lang="ur" dir="rtl"><body>'
        "<p>آپ کی درخواست موصول ہو گئی۔</p></body></html>"  # noqa: RUF001
    ),
)
ENGLISH = Rendered(
    subject="Request NGR-7KQ2-M4XD received",
    text="Your request was received.",
    html='<html lang="en"><body><p>Your request was received.</p></body></html>',
)


def _settings(port: int, **overrides: object) -> EmailSettings:
    values: dict[str, object] = {
        "port": port,
        "from_address": "notify@nigrani.example.gov.pk",
        "from_name": "Nigrani نگرانی",
        "message_id_domain": "nigrani.example.gov.pk",
        "timeout_seconds": 5,
        **overrides,
    }
    return EmailSettings.model_validate(values)


def _sender(settings: EmailSettings) -> EmailSender:
    return EmailSender(settings, clock=lambda: NOW)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return self_signed(tmp_path_factory.mktemp("tls"))


async def test_an_urdu_mail_arrives_with_both_parts_and_every_header() -> None:
    async with SmtpSink() as sink:
        settings = _settings(
            sink.port,
            reply_to="help@nigrani.example.gov.pk",
            list_unsubscribe="<https://nigrani.example.gov.pk/unsubscribe/{key}>",
            list_unsubscribe_one_click=True,
        )
        result = await _sender(settings).send(KEY, TO, "ur", URDU)
        assert result == SendResult.sent()
        [mail] = await sink.wait_for(1)

    assert mail.mail_from == "notify@nigrani.example.gov.pk"
    assert list(mail.rcpt_tos) == [TO]
    message = mail.message
    assert message.get_content_type() == "multipart/alternative"
    assert message["Message-ID"] == f"<{KEY}@nigrani.example.gov.pk>"
    assert parsedate_to_datetime(message["Date"]) == NOW
    assert message["From"].addresses[0].display_name == "Nigrani نگرانی"
    assert message["From"].addresses[0].addr_spec == "notify@nigrani.example.gov.pk"
    assert message["To"] == TO
    assert message["Reply-To"] == "help@nigrani.example.gov.pk"
    assert message["Content-Language"] == "ur"
    assert message["Auto-Submitted"] == "auto-generated"
    # (A long value is folded onto the next line, which the parser keeps as a space.)
    unsubscribe = message["List-Unsubscribe"].strip()
    assert unsubscribe == f"<https://nigrani.example.gov.pk/unsubscribe/{KEY}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The subject travels RFC 2047 encoded (7-bit on the wire) and decodes to the Urdu.
    raw_subject = next(
        line for line in mail.data.decode("ascii").splitlines() if line.startswith("Subject:")
    )
    assert "=?utf-8?" in raw_subject.lower()
    assert message["Subject"] == URDU_SUBJECT
    assert mail.part("text/plain").strip() == URDU.text
    html = mail.part("text/html")
    assert 'dir="rtl"' in html
    assert "آپ کی درخواست موصول ہو گئی" in html
    for part in message.iter_parts():
        assert part.get_content_charset() == "utf-8"


async def test_without_unsubscribe_or_reply_to_those_headers_are_absent() -> None:
    async with SmtpSink() as sink:
        assert await _sender(_settings(sink.port)).send(KEY, TO, "en", ENGLISH) == (
            SendResult.sent()
        )
        [mail] = await sink.wait_for(1)
    message = mail.message
    for header in ("List-Unsubscribe", "List-Unsubscribe-Post", "Reply-To"):
        assert header not in message
    assert message["Content-Language"] == "en"
    assert message["Subject"] == ENGLISH.subject


async def test_a_mailto_unsubscribe_without_one_click() -> None:
    async with SmtpSink() as sink:
        settings = _settings(
            sink.port, list_unsubscribe="<mailto:unsubscribe@nigrani.example.gov.pk?subject={key}>"
        )
        assert await _sender(settings).send(KEY, TO, "en", ENGLISH) == SendResult.sent()
        [mail] = await sink.wait_for(1)
    unsubscribe = mail.message["List-Unsubscribe"].strip()
    assert unsubscribe == f"<mailto:unsubscribe@nigrani.example.gov.pk?subject={KEY}>"
    assert "List-Unsubscribe-Post" not in mail.message


async def test_a_text_only_message_is_a_single_utf8_part() -> None:
    async with SmtpSink() as sink:
        rendered = Rendered(subject="Hello", text="Plain words only")
        assert (await _sender(_settings(sink.port)).send(KEY, TO, "en", rendered)).outcome == (
            SendOutcome.SENT
        )
        [mail] = await sink.wait_for(1)
    assert mail.message.get_content_type() == "text/plain"
    assert mail.part("text/plain").strip() == "Plain words only"


async def test_a_resend_carries_the_same_message_id() -> None:
    async with SmtpSink() as sink:
        sender = _sender(_settings(sink.port))
        other = delivery_key("event-2", "email", "citizen")
        for key in (KEY, KEY, other):
            assert (await sender.send(key, TO, "en", ENGLISH)).outcome is SendOutcome.SENT
        mails = await sink.wait_for(3)
    ids = [mail.message["Message-ID"] for mail in mails]
    assert ids[0] == ids[1] == f"<{KEY}@nigrani.example.gov.pk>"
    assert ids[2] == f"<{other}@nigrani.example.gov.pk>"


async def test_starttls_with_authentication_and_a_trusted_ca(certificate: Certificate) -> None:
    async with SmtpSink(tls=server_context(certificate), credentials=("notify", "s3cret")) as sink:
        settings = _settings(
            sink.port,
            security="starttls",
            ca_file=str(certificate.cert_file),
            username="notify",
            password=SecretStr("s3cret"),
        )
        assert await _sender(settings).send(KEY, TO, "ur", URDU) == SendResult.sent()
        [mail] = await sink.wait_for(1)
    assert sink.logins == ["notify"]
    assert mail.message["Subject"] == URDU_SUBJECT


async def test_implicit_tls(certificate: Certificate) -> None:
    async with SmtpSink(tls=server_context(certificate), implicit_tls=True) as sink:
        settings = _settings(sink.port, security="tls", ca_file=str(certificate.cert_file))
        assert await _sender(settings).send(KEY, TO, "en", ENGLISH) == SendResult.sent()
        await sink.wait_for(1)


async def test_an_untrusted_certificate_is_a_transient_tls_failure(
    certificate: Certificate,
) -> None:
    async with SmtpSink(tls=server_context(certificate)) as sink:
        refused = await _sender(_settings(sink.port, security="starttls")).send(
            KEY, TO, "en", ENGLISH
        )
        assert refused == SendResult.transient("tls")
        # validate_certs=False is the explicit way to accept it.
        unchecked = _settings(sink.port, security="starttls", validate_certs=False)
        assert await _sender(unchecked).send(KEY, TO, "en", ENGLISH) == SendResult.sent()
    assert len(sink.mails) == 1


async def test_a_server_without_starttls_is_refused_when_starttls_is_required() -> None:
    async with SmtpSink() as sink:
        result = await _sender(_settings(sink.port, security="starttls")).send(
            KEY, TO, "en", ENGLISH
        )
    assert result == SendResult.transient("smtp_protocol")
    assert sink.mails == []


async def test_wrong_credentials_wait_for_the_operator(certificate: Certificate) -> None:
    async with SmtpSink(tls=server_context(certificate), credentials=("notify", "right")) as sink:
        settings = _settings(
            sink.port,
            security="starttls",
            ca_file=str(certificate.cert_file),
            username="notify",
            password=SecretStr("wrong"),
        )
        result = await _sender(settings).send(KEY, TO, "en", ENGLISH)
    assert result == SendResult.transient("smtp_auth_535")
    assert sink.mails == []


@pytest.mark.parametrize(
    ("code", "at", "expected"),
    [
        (550, "rcpt", SendResult.permanent("smtp_550")),
        (553, "rcpt", SendResult.permanent("smtp_553")),
        (451, "rcpt", SendResult.transient("smtp_451")),
        (554, "data", SendResult.permanent("smtp_554")),
        (452, "data", SendResult.transient("smtp_452")),
    ],
)
async def test_smtp_replies_are_classified_by_their_code(
    code: int, at: str, expected: SendResult
) -> None:
    async with SmtpSink() as sink:
        sink.fail_next(1, code, at="rcpt" if at == "rcpt" else "data")
        result = await _sender(_settings(sink.port)).send(KEY, TO, "en", ENGLISH)
        assert result == expected
        assert "ayesha" not in result.reason  # the server's reply quoted the address
        # The next attempt goes through: the fault was for one message only.
        assert await _sender(_settings(sink.port)).send(KEY, TO, "en", ENGLISH) == (
            SendResult.sent()
        )
    assert len(sink.mails) == 1


async def test_neither_the_address_nor_the_text_reaches_the_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    async with SmtpSink() as sink:
        sink.fail_next(1, 550)
        assert (await _sender(_settings(sink.port)).send(KEY, TO, "ur", URDU)).outcome is (
            SendOutcome.PERMANENT
        )
        assert await _sender(_settings(sink.port)).send(KEY, TO, "ur", URDU) == SendResult.sent()
    ours = [record for record in caplog.records if record.name != "mail.log"]  # the server's
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in ours)
    assert "smtp send failed" in logged
    assert "ayesha" not in logged
    assert "NGR-7KQ2" not in logged


async def test_nothing_listening_is_transient() -> None:
    [port] = free_ports(1)
    result = await _sender(_settings(port)).send(KEY, TO, "en", ENGLISH)
    assert result == SendResult.transient("connection")


async def test_a_server_that_does_not_answer_in_time_is_a_transient_timeout() -> None:
    async with SmtpSink() as sink:
        sink.delay_next(1, seconds=3)
        result = await _sender(_settings(sink.port, timeout_seconds=0.5)).send(
            KEY, TO, "en", ENGLISH
        )
    assert result == SendResult.transient("timeout")


@pytest.mark.parametrize(
    "address",
    [
        "not-an-address",
        "a@b",
        "two@example.pk, three@example.pk",
        "x@y.pk\r\nBcc: z",
        "Ayesha <a@example.pk>",
        "عائشہ@example.pk",
    ],
)
async def test_an_invalid_address_is_permanent_and_nothing_is_sent(address: str) -> None:
    async with SmtpSink() as sink:
        result = await _sender(_settings(sink.port)).send(KEY, address, "en", ENGLISH)
    assert result == SendResult.permanent("invalid_address")
    assert sink.mails == []


async def test_a_subject_with_a_line_break_is_refused_not_sent() -> None:
    async with SmtpSink() as sink:
        rendered = Rendered(subject="Hi\r\nBcc: everyone@example.pk", text="x")
        result = await _sender(_settings(sink.port)).send(KEY, TO, "en", rendered)
    assert result == SendResult.permanent("invalid_message")
    assert sink.mails == []


def test_settings_refuse_half_credentials_and_unknown_placeholders(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="go together"):
        EmailSettings(username="notify")
    with pytest.raises(ValidationError, match="placeholder"):
        EmailSettings(list_unsubscribe="<https://x.example/{address}>")
    with pytest.raises(ValidationError, match="plain address"):
        EmailSettings(from_address="Nigrani <notify@example.pk>")
