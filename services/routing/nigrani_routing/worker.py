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
from nigrani_routing.rules.holder import RulesHolder, reload_on_sighup

GROUP_ID = "routing"


def build_consumer(clients: ServiceClients, rules: RulesHolder) -> BackgroundConsumer:
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


def _worker_consumer(clients: ServiceClients, holder: RulesHolder) -> BackgroundConsumer:
    """Called inside the worker's running loop, so SIGHUP can be installed on it."""
    reload_on_sighup(holder)
    return build_consumer(clients, holder)


if __name__ == "__main__":
    settings = RoutingSettings()
    rules_holder = RulesHolder(settings.rules_path, settings.areas_path)
    run_worker(settings, INDEXES, lambda clients: _worker_consumer(clients, rules_holder))
