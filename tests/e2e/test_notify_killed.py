"""Notify killed (SIGKILL) in the middle of a batch and started again: every citizen gets
each message, and none twice where the gateway honours idempotency keys.

Intake and notify run as real processes (notify asks intake's internal API for the
contacts); the SMTP server and the SMS gateway are the tests' own. Notify is held to two
messages a second per channel so the kill lands while a batch is in flight.
"""

from __future__ import annotations

import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.infra import Infra
from tests.support.kafka import events_on_topic
from tests.support.notify import INTERNAL_TOKEN, notify_environment, recipients_file
from tests.support.processes import service_process
from tests.support.requests import water_request
from tests.support.sms_gateway import SmsGateway
from tests.support.smtp_sink import SmtpSink
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

REQUESTS = 30
CITIZEN_EMAIL = "ayesha.siddiqui@example.pk"


async def test_notify_killed_mid_batch_and_restarted_loses_and_repeats_nothing(
    infra: Infra, tmp_path: Path
) -> None:
    prefix = f"t{uuid.uuid4().hex[:10]}"
    common = {
        "ENVIRONMENT": "test",
        "KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap_servers,
        "MONGODB_URI": infra.mongodb_uri,
        "TOPIC_PREFIX": prefix,
        "SECRET_KEY": f"test-secret-{prefix}",
        "KAFKA_REPLICATION_FACTOR": "1",
        "KAFKA_MIN_INSYNC_REPLICAS": "1",
        "INTERNAL_API_TOKEN": INTERNAL_TOKEN,
    }
    intake_env = {
        **common,
        "INTAKE_DATABASE": f"{prefix}_intake",
        "RATE_LIMIT_SUBMIT": "100000",
    }
    async with (
        SmtpSink() as smtp,
        SmsGateway() as sms,
        service_process("intake", intake_env, tmp_path, ready_path="/readyz") as intake,
    ):
        env = {
            **common,
            **notify_environment(
                database=f"{prefix}_notify",
                intake_url=intake.url,
                smtp_port=smtp.port,
                sms_url=sms.url,
                recipients=recipients_file(tmp_path),
            ),
            "NOTIFY_EMAIL_PER_SECOND": "2",
            "NOTIFY_SMS_PER_SECOND": "2",
        }
        async with service_process(
            "notify", env, tmp_path, ready_path="/readyz", name="notify-1"
        ) as first:
            async with httpx.AsyncClient(base_url=intake.url) as client:
                codes = []
                for _ in range(REQUESTS):
                    response = await client.post("/v1/requests", json=water_request())
                    assert response.status_code == 201, response.text
                    codes.append(response.json()["tracking_code"])

            async def some_mail() -> bool:
                return len(smtp.mails) >= 4

            await eventually(some_mail, within=60, what="the batch under way")
            await first.kill()
        mails_before, texts_before = len(smtp.mails), len(sms.messages)
        assert mails_before < REQUESTS  # killed mid-batch
        async with service_process("notify", env, tmp_path, ready_path="/readyz", name="notify-2"):

            async def all_delivered() -> bool:
                return (
                    len({m.message["Message-ID"] for m in smtp.mails}) >= REQUESTS
                    and len(sms.messages) >= REQUESTS
                )

            await eventually(all_delivered, within=120, interval=0.5, what="every message")

            async def all_announced() -> list[dict[str, Any]] | None:
                events = await events_on_topic(
                    infra.kafka_bootstrap_servers, f"{prefix}.requests.lifecycle"
                )
                sent = [e for e in events if e["type"] == "org.nigrani.notification.sent.v1"]
                return sent if len({e["id"] for e in sent}) >= 2 * REQUESTS else None

            sent = await eventually(all_announced, within=60, what="every delivery announced")

    # No loss: each request's received message on both channels.
    assert len(sms.messages) == REQUESTS  # the gateway took each key once
    for code in codes:
        assert sum(code in m.part("text/plain") for m in smtp.mails) >= 1
        assert sum(code in r.fields["text"] for r in sms.messages) == 1
    # No repeat by Message-ID; a raw repeat only in the SMTP window the README names.
    message_ids = Counter(m.message["Message-ID"] for m in smtp.mails)
    assert len(message_ids) == REQUESTS
    repeated = sum(count - 1 for count in message_ids.values())
    assert repeated <= 2  # at most the sends in flight (pace 2/s) when the process died
    deliveries = Counter(e["data"]["delivery_id"] for e in sent)
    assert len(deliveries) == 2 * REQUESTS
    print(f"mails before the kill {mails_before}, texts {texts_before}; repeated mails {repeated}")
