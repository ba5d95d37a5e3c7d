"""The worker process: the consumer plus the case relay and the lapse sweep, served like
any worker (health, readiness and metrics on ROUTING_PORT)."""

from __future__ import annotations

from contextlib import AsyncExitStack

from nigrani_shared.kafka.background import BackgroundConsumer
from nigrani_shared.service import ServiceClients, create_worker_app
from nigrani_shared.settings import refused_settings_exit
from nigrani_shared.web.serve import serve

from nigrani_routing.cases.repository import INDEXES
from nigrani_routing.composition import build_parts, start_loops, windows_of
from nigrani_routing.config import RoutingSettings
from nigrani_routing.rules.holder import RulesHolder, reload_on_sighup
from nigrani_routing.worker import build_consumer


def run_routing_worker() -> None:
    with refused_settings_exit():
        settings = RoutingSettings()
    holder = RulesHolder(settings.rules_path, settings.areas_path)

    async def setup(stack: AsyncExitStack, clients: ServiceClients) -> BackgroundConsumer:
        stack.callback(reload_on_sighup(holder))  # inside the running loop
        parts = build_parts(clients, holder, windows_of(settings), with_queue=False)
        start_loops(stack, parts)
        return build_consumer(clients, parts.cases, parts.due_times)

    serve(create_worker_app(settings, INDEXES, setup), settings)
