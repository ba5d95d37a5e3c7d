"""A worker process for the graceful-stop test: the real settings, clients, consumer runtime
and signal handling (`run_worker`), with a handler slow enough that SIGTERM finds a batch in
hand. Each applied event id is appended to APPLIED_LOG after its effect; the event whose
subject is HANG_SUBJECT never finishes.

    python -m tests.support.slow_worker
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from nigrani_shared.events import EventEnvelope, RequestSubmitted
from nigrani_shared.kafka.background import BackgroundConsumer
from nigrani_shared.service import ServiceClients, consumer_for, run_worker
from nigrani_shared.settings import NigraniSettings

GROUP_ID = "slow"


def _append(path: Path, line: str) -> None:
    with path.open("a") as log:
        log.write(line + "\n")


def build_consumer(clients: ServiceClients) -> BackgroundConsumer:
    applied_log = Path(os.environ["APPLIED_LOG"])
    seconds = float(os.environ.get("SLOW_HANDLER_SECONDS", "0.3"))
    hang_subject = os.environ.get("HANG_SUBJECT")

    async def slow(envelope: EventEnvelope) -> None:
        await asyncio.sleep(3600 if envelope.subject == hang_subject else seconds)
        await asyncio.to_thread(_append, applied_log, envelope.id)

    return consumer_for(
        clients,
        group_id=GROUP_ID,
        handlers={RequestSubmitted.event_type: slow},
        start_from="earliest",
        dedupe="by_event_id",
    )


if __name__ == "__main__":
    run_worker(NigraniSettings(service_name="slow-worker"), [], build_consumer)
