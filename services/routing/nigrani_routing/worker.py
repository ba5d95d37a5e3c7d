"""Routing's consumer process (`python -m nigrani_routing.worker`), also embedded in the API
process by default (EMBEDDED_WORKER=true)."""

from __future__ import annotations

from nigrani_shared.kafka.background import BackgroundConsumer
from nigrani_shared.kafka.topology import ROUTING_GROUP
from nigrani_shared.service import ServiceClients, consumer_for

from nigrani_routing.cases.service import CaseService
from nigrani_routing.handlers import build_handlers
from nigrani_routing.queue.due_store import DueTimesStore

GROUP_ID = ROUTING_GROUP


def build_consumer(
    clients: ServiceClients, cases: CaseService, due_times: DueTimesStore
) -> BackgroundConsumer:
    # "earliest": a new routing group must route every submission ever accepted.
    # "by_effect": every change is committed under an attempt id derived from the event,
    # so a redelivery finds its own change (cases/ledger.py) without a record of event ids.
    return consumer_for(
        clients,
        group_id=GROUP_ID,
        handlers=build_handlers(cases, due_times),
        start_from="earliest",
        dedupe="by_effect",
    )


if __name__ == "__main__":
    from nigrani_routing.process import run_routing_worker

    run_routing_worker()
