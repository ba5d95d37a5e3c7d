"""The mail and SMS sinks that `make up` runs: notify's own senders deliver to them, the
page shows what arrived (newest first, escaped), an SMS resent under its key is kept once,
and a restart keeps everything.

The sinks run as `up` runs them (a detached process through `start_sinks`), in a temporary
run directory on free ports, so this can run beside a developer's `make up`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from nigrani_localinfra.errors import InfraError
from nigrani_localinfra.ports import free_ports
from nigrani_localinfra.sinks import SinkPorts, sinks_running, start_sinks, stop_sinks
from nigrani_notify.channels.email import EmailSender, EmailSettings
from nigrani_notify.channels.sms import SmsGatewaySettings, SmsSender
from nigrani_notify.messages import Rendered, SendResult

pytestmark = pytest.mark.timeout(120)

SUBJECT = "آپ کی درخواست <NGR-7KQ2> & موصول"
MAIL = Rendered(
    subject=SUBJECT,
    text="ٹریکنگ کوڈ: NGR-7KQ2 <script>alert(1)</script>",
    html='<html lang="ur" dir="rtl"><body><p>موصول</p></body></html>',
)
SMS_TEXT = "Request NGR-7KQ2 was routed to WASA <Lahore>"


@pytest.fixture
async def sinks(tmp_path: Path) -> AsyncIterator[tuple[Path, SinkPorts]]:
    run_dir = tmp_path / "run"
    smtp, http = free_ports(2)
    ports = await start_sinks(run_dir, SinkPorts(smtp=smtp, http=http))
    try:
        yield run_dir, ports
    finally:
        await stop_sinks(run_dir)


async def _send_both(ports: SinkPorts) -> None:
    email = EmailSender(EmailSettings(port=ports.smtp))
    assert await email.send("key-mail-1", "ayesha@example.pk", "ur", MAIL) == SendResult.sent()
    sms = SmsSender(SmsGatewaySettings(url=ports.sms_url))
    try:
        for _ in range(2):  # a resend under the same key
            result = await sms.send("key-sms-1", "+923001234567", SMS_TEXT)
            assert result == SendResult.sent(segments=1)
    finally:
        await sms.aclose()


async def _page(ports: SinkPorts) -> str:
    async with httpx.AsyncClient() as client:
        response = await client.get(ports.url)
    assert response.status_code == 200
    return response.text


async def _records(ports: SinkPorts) -> list[dict[str, Any]]:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{ports.url}/api/messages")
    records: list[dict[str, Any]] = response.json()
    return records


async def test_the_page_shows_what_notifys_senders_delivered(
    sinks: tuple[Path, SinkPorts],
) -> None:
    run_dir, ports = sinks
    await _send_both(ports)

    page = await _page(ports)
    assert "آپ کی درخواست &lt;NGR-7KQ2&gt; &amp; موصول" in page
    assert "ayesha@example.pk" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>" not in page
    assert "WASA &lt;Lahore&gt;" in page
    assert "+923001234567" in page
    assert page.index("WASA") < page.index("ayesha@example.pk")  # newest first

    sms, mail = await _records(ports)
    assert (sms["kind"], sms["to"], sms["text"], sms["from"]) == (
        "sms",
        "+923001234567",
        SMS_TEXT,
        "NIGRANI",
    )
    assert (mail["kind"], mail["subject"], mail["language"]) == ("mail", SUBJECT, "ur")
    assert mail["message_id"] == "<key-mail-1@nigrani.localhost>"

    async with httpx.AsyncClient() as client:
        html = await client.get(f"{ports.url}/mails/{mail['id']}")
    assert 'dir="rtl"' in html.text
    assert "script-src" not in html.headers["content-security-policy"]
    assert html.headers["content-security-policy"].startswith("default-src 'none'")

    # A restart reads the records back, and still knows the SMS key.
    await stop_sinks(run_dir)
    assert not sinks_running(run_dir)
    await start_sinks(run_dir, ports)
    assert [record["id"] for record in await _records(ports)] == [sms["id"], mail["id"]]
    async with httpx.AsyncClient() as client:
        again = await client.post(
            ports.sms_url,
            json={"to": "+923001234567", "text": SMS_TEXT},
            headers={"Idempotency-Key": "key-sms-1"},
        )
    assert again.json() == {"id": sms["id"], "duplicate": True}
    assert len(await _records(ports)) == 2


async def test_start_keeps_a_running_sink_and_refuses_bad_sms(
    sinks: tuple[Path, SinkPorts],
) -> None:
    run_dir, ports = sinks
    pid = (run_dir / "sinks.pid").read_text()
    assert await start_sinks(run_dir, SinkPorts(smtp=1, http=2)) == ports
    assert (run_dir / "sinks.pid").read_text() == pid
    async with httpx.AsyncClient() as client:
        for body in ({"to": "+923001234567"}, {"text": "x"}, ["x"]):
            response = await client.post(ports.sms_url, json=body)
            assert response.status_code == 400
        response = await client.post(ports.sms_url, content=b"not json")
        assert response.status_code == 400
    assert await _records(ports) == []


async def test_a_taken_port_is_a_clear_error_even_when_other_sinks_hold_it(
    sinks: tuple[Path, SinkPorts], tmp_path: Path
) -> None:
    _, ports = sinks
    other_run = tmp_path / "other-run"
    [smtp] = free_ports(1)
    try:
        with pytest.raises(InfraError, match="SINKS_HTTP_PORT"):
            await start_sinks(other_run, SinkPorts(smtp=smtp, http=ports.http))
        assert not sinks_running(other_run)
    finally:
        await stop_sinks(other_run)  # only does something when the test fails
