"""The same submitted event delivered twice to routing makes one case and one routed event;
a crash between storing the case and announcing it announces the same event again."""

from __future__ import annotations

import pytest
from nigrani_shared.clock import utc_now
from nigrani_shared.events import RequestSubmitted, decode_event, derived_event_id
from nigrani_shared.store.client import Document
from prometheus_client import REGISTRY
from pymongo.asynchronous.collection import AsyncCollection

from tests.support.events import submitted
from tests.support.infra import Infra
from tests.support.kafka import read_topic, send_events
from tests.support.system import running_system
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


def _deliveries_handled() -> float:
    value = REGISTRY.get_sample_value(
        "nigrani_events_handled_total",
        {"group": "routing", "event_type": RequestSubmitted.event_type, "outcome": "handled"},
    )
    return value or 0.0


async def test_a_duplicate_delivery_creates_one_case_and_one_routed_record(infra: Infra) -> None:
    async with running_system(infra, with_routing=True) as system:
        code = "DUPL-ICAT-E0001"
        event = submitted(code)
        handled_before = _deliveries_handled()
        await send_events(infra.kafka_bootstrap_servers, system.topic, [event, event])

        async def both_copies_handled() -> bool:
            return _deliveries_handled() - handled_before >= 2

        await eventually(both_copies_handled, within=60, what="both copies handled")
        # Both copies are handled by now, so any second routed event would be on the topic.
        records = await read_topic(
            infra.kafka_bootstrap_servers, system.topic, expect=4, within_ms=3000
        )
        routed_id = derived_event_id(code, "routed")
        routed = [r for r in records if routed_id.encode() in (r.value or b"")]
        assert len(routed) == 1
        assert await system.routing_db["cases"].count_documents({"_id": code}) == 1


async def test_a_crash_between_storing_and_announcing_announces_the_same_event_again(
    infra: Infra,
) -> None:
    """A change leaves the outbox only after Kafka acknowledged its event: a crash in
    between leaves the entry, and the redelivery announces it again, same id, same
    content, which downstream consumers recognise. No second case or change is made."""
    async with running_system(infra, with_routing=True) as system:
        code = "REPL-AYED-00001"
        event = submitted(code)
        await send_events(infra.kafka_bootstrap_servers, system.topic, [event])

        async def routed_change() -> Document | None:
            return await system.routing_db["case_changes"].find_one({"_id": f"{code}:1"})

        change = await eventually(routed_change, within=60, what="first delivery routed")
        outbox = system.routing_db["case_outbox"]
        await eventually(lambda: _empty(outbox), within=30, what="first delivery announced")
        first = await system.case(code)
        # The crash: the entry is back as it was before the publish.
        await outbox.insert_one(
            {
                "_id": change["attempt"],
                "request_id": code,
                "version": 1,
                "case": change["case"],
                "event": change["event"],
                "created_at": utc_now(),
            }
        )
        await send_events(infra.kafka_bootstrap_servers, system.topic, [event])
        await eventually(lambda: _empty(outbox), within=60, what="redelivery announced")
        assert await system.routing_db["cases"].count_documents({"_id": code}) == 1
        assert await system.routing_db["case_changes"].count_documents({}) == 1
        assert await system.case(code) == first
        records = await read_topic(infra.kafka_bootstrap_servers, system.topic, expect=4)
        routed = [decode_event(r.value) for r in records if b"request.routed" in (r.value or b"")]
        assert len(routed) == 2  # announced again after the simulated crash...
        assert {e.id for e in routed} == {derived_event_id(code, "routed")}  # ...with one id
        assert routed[0].data == routed[1].data


async def _empty(collection: AsyncCollection[Document]) -> bool:
    return await collection.count_documents({}) == 0
