"""The same submitted event delivered twice to routing makes one case and one routed event."""

from __future__ import annotations

import pytest
from nigrani_shared.events import RequestSubmitted, decode_event, derived_event_id
from prometheus_client import REGISTRY

from tests.support.events import submitted
from tests.support.infra import Infra
from tests.support.kafka import read_topic, send_events
from tests.support.system import running_system
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


def _duplicates_skipped() -> float:
    value = REGISTRY.get_sample_value(
        "nigrani_events_handled_total",
        {"group": "routing", "event_type": RequestSubmitted.event_type, "outcome": "duplicate"},
    )
    return value or 0.0


async def test_a_duplicate_delivery_creates_one_case(infra: Infra) -> None:
    async with running_system(infra, with_routing=True) as system:
        code = "DUPL-ICAT-E0001"
        event = submitted(code)
        duplicates_before = _duplicates_skipped()
        await send_events(infra.kafka_bootstrap_servers, system.topic, [event, event])

        async def second_copy_skipped() -> bool:
            return _duplicates_skipped() > duplicates_before

        await eventually(second_copy_skipped, within=60, what="second copy recognised")
        # Both copies are handled by now, so any second routed event would be on the topic.
        records = await read_topic(
            infra.kafka_bootstrap_servers, system.topic, expect=4, within_ms=3000
        )
        routed_id = derived_event_id(code, "routed")
        routed = [r for r in records if routed_id.encode() in (r.value or b"")]
        assert len(routed) == 1
        assert await system.routing_db["cases"].count_documents({"_id": code}) == 1


async def test_routing_recognises_a_redelivery_even_without_its_processed_record(
    infra: Infra,
) -> None:
    """A crash between the effect and the processed-events record: the handler itself is
    idempotent, so the case is not duplicated and the re-announced event has the same id."""
    async with running_system(infra) as system:
        code = "REPL-AYED-00001"
        event = submitted(code)
        await send_events(infra.kafka_bootstrap_servers, system.topic, [event])

        async def applied() -> bool:
            claim = await system.routing_db["processed_events"].find_one({"_id": event.id})
            return bool(claim and claim["applied"])

        await eventually(applied, within=60, what="first delivery applied")
        first = await system.case(code)
        await system.routing_db["processed_events"].delete_one({"_id": event.id})
        await send_events(infra.kafka_bootstrap_servers, system.topic, [event])
        await eventually(applied, within=60, what="redelivery applied")
        assert await system.routing_db["cases"].count_documents({"_id": code}) == 1
        assert await system.case(code) == first
        records = await read_topic(infra.kafka_bootstrap_servers, system.topic, expect=4)
        routed = [decode_event(r.value) for r in records if b"request.routed" in (r.value or b"")]
        assert len(routed) == 2  # announced again on redelivery...
        assert {e.id for e in routed} == {derived_event_id(code, "routed")}  # ...with one id
        assert routed[0].data == routed[1].data
