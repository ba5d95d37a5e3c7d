"""Lifecycle events carry no personal data: a canary written into every free-text and
contact field of a submission appears in no record of any topic, dead letters included."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from nigrani_shared.events import EventEnvelope, RequestSubmitted, RequestSubmittedV1

from tests.support.consumer import new_name, running_consumer
from tests.support.infra import Infra
from tests.support.kafka import read_topic
from tests.support.requests import routed_view, water_request
from tests.support.system import running_system
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

AUDIT_GROUP = "canary-audit"


def _canary_request() -> tuple[dict[str, Any], list[bytes]]:
    tag = uuid.uuid4().hex[:12]
    digits = str(int(tag, 16))[:7].rjust(7, "7")
    phone = f"+92300{digits}"
    name = f"Canary{tag}"
    email = f"canary.{tag}@example.pk"
    body = water_request(
        description=f"Call {name} on {phone} or write to {email}",
        contact={"name": name, "phone": phone, "email": email, "language": "ur"},
    )
    body["location"]["address"] = f"House {tag}, Gulberg III"
    return body, [tag.encode(), f"300{digits}".encode()]


async def _topics_with_prefix(infra: Infra, prefix: str) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap_servers)
    await admin.start()
    try:
        return sorted(t for t in await admin.list_topics() if t.startswith(f"{prefix}."))
    finally:
        await admin.close()


async def test_no_topic_holds_personal_data_not_even_a_dead_letter(infra: Infra) -> None:
    async def reject(envelope: EventEnvelope) -> None:
        raise ValueError("audit: dead-letter every submission")

    prefix = new_name()
    # An audit group whose handler rejects every submission, so the real submitted record
    # is copied to a dead-letter topic, as a bug in any service would copy it.
    async with (
        running_system(infra, prefix=prefix) as system,
        running_consumer(
            infra,
            name=prefix,
            handler=reject,
            group=AUDIT_GROUP,
            event_types=(RequestSubmitted.event_type, RequestSubmittedV1.event_type),
            max_attempts=1,
        ) as audit,
    ):
        dlq = audit.config.dead_letter_topic
        body, canaries = _canary_request()
        accepted = (await system.intake.post("/v1/requests", json=body)).json()
        code = accepted["tracking_code"]
        await eventually(lambda: routed_view(system.intake, code), within=60, what="routed")
        dead = await read_topic(infra.kafka_bootstrap_servers, dlq, expect=1, within_ms=60_000)
        assert len(dead) == 1
        assert code.encode() in (dead[0].value or b"")
        stored = await system.intake_db["requests"].find_one({"_id": code})
        assert stored is not None
        assert canaries[0] in str(stored).encode()

        topics = await _topics_with_prefix(infra, system.intake_settings.topic_prefix)
        assert system.topic in topics
        assert dlq in topics
        scanned = 0
        for topic in topics:
            for record in await read_topic(
                infra.kafka_bootstrap_servers, topic, expect=10_000, within_ms=3000
            ):
                raw = b"".join(
                    [record.key or b"", record.value or b""]
                    + [key.encode() + value for key, value in record.headers or ()]
                )
                scanned += 1
                for canary in canaries:
                    assert canary not in raw, f"personal data on {topic}"
        assert scanned >= 3  # submitted, routed and the dead letter at least
