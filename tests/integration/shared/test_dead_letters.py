"""Guarantee 3: a poison message goes to the group's dead-letter topic with the reason and
its original coordinates, is counted, and later good messages still flow."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from tests.support.events import submitted
from tests.support.infra import Infra
from tests.support.kafka import keys_on_one_partition, read_topic, send_events, send_raw
from tests.support.system import running_system
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


def _dead_letters(group: str) -> float:
    total = 0.0
    for metric in REGISTRY.collect():
        if metric.name == "nigrani_dead_letters":
            total += sum(
                s.value
                for s in metric.samples
                if s.name.endswith("_total") and s.labels["group"] == group
            )
    return total


async def test_a_malformed_message_is_dead_lettered_and_good_ones_still_flow(
    infra: Infra,
) -> None:
    async with running_system(infra) as system:
        before = _dead_letters("routing")
        poison = b'{"this is": "not a cloud event"'
        # The good message shares the poison one's partition (computed), so it can only be
        # routed once the poison one stopped blocking that partition.
        partitions = system.routing_settings.kafka_topic_partitions
        poison_key, code = keys_on_one_partition(["POISON", "GOOD-AFTE-RPOIS"], partitions)
        await send_raw(
            infra.kafka_bootstrap_servers, system.topic, [poison], key=poison_key.encode()
        )
        await send_events(
            infra.kafka_bootstrap_servers,
            system.topic,
            [submitted(code, category="electricity.outage")],
        )
        await eventually(lambda: system.case(code), within=60, what="good message routed")

        dlq = system.routing_settings.dead_letter_topic("routing")
        records = await read_topic(infra.kafka_bootstrap_servers, dlq, expect=1)
        assert len(records) == 1
        dead = records[0]
        headers = {k: v.decode() for k, v in dead.headers}
        assert dead.value == poison
        assert dead.key == poison_key.encode()
        assert headers["nigrani-dlq-topic"] == system.topic
        assert headers["nigrani-dlq-group"] == "routing"
        assert headers["nigrani-dlq-offset"].isdigit()
        assert "UndecodableEventError" in headers["nigrani-dlq-error"]
        assert _dead_letters("routing") >= before + 1
