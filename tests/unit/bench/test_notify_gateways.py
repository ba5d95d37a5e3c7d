"""The notify bench's gateways note each delivery key when they accept it, from the
Message-ID notify writes and the SMS Idempotency-Key header, and count a key accepted
again as a repeat rather than a second delivery."""

from __future__ import annotations

from email.message import EmailMessage

import aiohttp
import aiosmtplib

from bench.notify_gateways import BenchGateways


def _mail(key: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "notify@nigrani.localhost"
    message["To"] = "citizen@example.org"
    message["Subject"] = "received"
    message["Message-ID"] = f"<{key}@nigrani.localhost>"
    message.set_content("Tracking code: X")
    return message


async def test_mails_are_noted_by_the_key_in_their_message_id() -> None:
    async with BenchGateways() as gateways:
        smtp = gateways.smtp_settings()
        for key in ("a" * 32, "b" * 32, "a" * 32):
            await aiosmtplib.send(_mail(key), hostname=smtp["host"], port=smtp["port"])

    assert set(gateways.mail.at) == {"a" * 32, "b" * 32}
    assert gateways.mail.repeats == 1
    assert gateways.mail.at["a" * 32] <= gateways.mail.at["b" * 32]


async def test_sms_are_noted_by_their_idempotency_key() -> None:
    async with BenchGateways() as gateways, aiohttp.ClientSession() as session:
        url = gateways.sms_settings()["url"]
        for key in ("k1", "k2", "k2"):
            body = {"to": "+923001234567", "text": "received"}
            async with session.post(url, json=body, headers={"Idempotency-Key": key}) as r:
                assert r.status == 200

    assert set(gateways.sms.at) == {"k1", "k2"}
    assert gateways.sms.repeats == 1
