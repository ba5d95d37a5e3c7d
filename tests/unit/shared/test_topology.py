"""One list of topics: what `nigrani topics create` creates is what every service's
consumer makes sure of at start-up, and every service's group is on it."""

from __future__ import annotations

import pytest
from nigrani_intake.worker import GROUP_ID as INTAKE
from nigrani_notify.main import GROUP_ID as NOTIFY
from nigrani_routing.worker import GROUP_ID as ROUTING
from nigrani_shared.kafka.producer_handle import ProducerHandle
from nigrani_shared.kafka.topology import CONSUMER_GROUPS, system_topics, topics_for_group
from nigrani_shared.service import ServiceClients, consumer_for
from nigrani_shared.settings import NigraniSettings
from nigrani_shared.store.client import create_client
from nigrani_sla.main import GROUP_ID as SLA

SETTINGS = NigraniSettings(topic_prefix="p")


def test_the_system_topics_are_the_lifecycle_topic_and_each_groups_dead_letters() -> None:
    assert system_topics(SETTINGS) == [
        "p.requests.lifecycle",
        "p.dlq.intake",
        "p.dlq.routing",
        "p.dlq.sla",
        "p.dlq.notify",
    ]


@pytest.mark.parametrize("group", [INTAKE, ROUTING, SLA, NOTIFY])
def test_every_services_group_is_listed_and_its_start_up_creates_every_topic(group: str) -> None:
    assert group in CONSUMER_GROUPS
    assert topics_for_group(SETTINGS, group) == system_topics(SETTINGS)


def test_a_group_not_listed_still_gets_its_own_dead_letter_topic() -> None:
    assert topics_for_group(SETTINGS, "a-test") == [*system_topics(SETTINGS), "p.dlq.a-test"]


async def test_a_services_consumer_makes_sure_of_every_system_topic_at_start_up() -> None:
    mongo = create_client("mongodb://127.0.0.1:1/?directConnection=true", app_name="t")
    clients = ServiceClients(
        settings=SETTINGS, mongo=mongo, db=mongo["t"], producer=ProducerHandle("x:1", client_id="t")
    )
    try:
        consumer = consumer_for(
            clients, group_id=ROUTING, handlers={}, start_from="earliest", dedupe="by_effect"
        )
        assert consumer._topics == system_topics(SETTINGS)
    finally:
        await mongo.close()
