"""The worker process: the consumer plus the case relay and the lapse sweep."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

from nigrani_shared.kafka.background import run_until_signalled
from nigrani_shared.logging import configure_logging
from nigrani_shared.service import open_clients
from nigrani_shared.settings import refused_settings_exit

from nigrani_routing.cases.repository import INDEXES
from nigrani_routing.composition import build_parts, start_loops, windows_of
from nigrani_routing.config import RoutingSettings
from nigrani_routing.rules.holder import RulesHolder, reload_on_sighup
from nigrani_routing.worker import build_consumer


def run_routing_worker() -> None:
    with refused_settings_exit():
        settings = RoutingSettings()
    configure_logging(settings.service_name, settings.log_level)
    holder = RulesHolder(settings.rules_path, settings.areas_path)

    async def main() -> None:
        async with AsyncExitStack() as stack:
            clients = await stack.enter_async_context(open_clients(settings, INDEXES))
            stack.callback(reload_on_sighup(holder))  # inside the running loop
            parts = build_parts(clients, holder, windows_of(settings), with_queue=False)
            consumer = build_consumer(clients, parts.cases, parts.due_times)

            async def start() -> None:
                start_loops(stack, parts)
                consumer.start()

            await run_until_signalled(start, consumer.stop)

    asyncio.run(main())
