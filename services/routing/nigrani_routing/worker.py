"""Routing's consumer process (`python -m nigrani_routing.worker`), also embedded in the API
process by default (EMBEDDED_WORKER=true)."""

from __future__ import annotations

from nigrani_shared.events import EventEnvelope
from nigrani_shared.kafka.background import BackgroundConsumer
from nigrani_shared.service import ServiceClients, consumer_for, run_worker

from nigrani_routing.cases.repository import COLLECTION, INDEXES, CasesRepository
from nigrani_routing.cases.service import RoutingService
from nigrani_routing.config import RoutingSettings
from nigrani_routing.handlers import build_handlers
from nigrani_routing.rules.schemas import RuleSet

GROUP_ID = "routing"


def build_consumer(clients: ServiceClients, rules: RuleSet) -> BackgroundConsumer:
    topic = clients.settings.lifecycle_topic

    async def announce(event: EventEnvelope) -> None:
        await clients.producer.publish(topic, event)

    service = RoutingService(
        rules=rules, cases=CasesRepository(clients.db[COLLECTION]), announce=announce
    )
    # "earliest": a new routing group must route every submission ever accepted.
    # "by_effect": the case records whether its routed event was announced, so a
    # redelivery is recognised without a record of applied event ids (cases/service.py).
    return consumer_for(
        clients,
        group_id=GROUP_ID,
        handlers=build_handlers(service),
        start_from="earliest",
        dedupe="by_effect",
    )


if __name__ == "__main__":
    from nigrani_routing.rules.loader import load_rules

    settings = RoutingSettings()
    rule_set = load_rules(settings.rules_path)
    run_worker(settings, INDEXES, lambda clients: build_consumer(clients, rule_set))
