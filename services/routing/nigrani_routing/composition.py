"""Routing's composition root: builds the case service and its background loops from the
opened clients, for the API process and the worker alike.

Background loops: the ledger's relay (finishes changes whose writer died before Kafka's
ack), the confirmation-lapse sweep (closes resolutions the citizen never answered), and
in the API process the queue feed (keeps the in-memory staff queue current).

The queue feed reads case changes (stored by routing before they are published) and the
SLA's due times and breaches (stored by routing's consumer only after it reads them,
queue/due_store.py). Starting at the end of the topic, a restarted feed would miss a due
time published before it started but stored after its reload from the store (routing was
down while the SLA service set it, and its consumer catches up after the reload). So it
starts at the offsets routing's consumer group has committed: everything before them is
in the store when the reload reads it, everything after is read from the topic.
"""

from __future__ import annotations

import contextlib
import logging
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiokafka import TopicPartition
from nigrani_shared.clock import utc_now
from nigrani_shared.events import (
    CaseChanged,
    DeadlineSet,
    EventEnvelope,
    RequestRouted,
    SlaBreached,
    derived_event_id,
)
from nigrani_shared.kafka.broadcast import BroadcastReader
from nigrani_shared.kafka.offsets import committed_offsets
from nigrani_shared.loops import start_loop
from nigrani_shared.service import ServiceClients
from nigrani_shared.settings import NigraniSettings
from nigrani_shared.timers import MinuteTimers

from nigrani_routing.cases.commands import Action, Command
from nigrani_routing.cases.documents import case_from_document
from nigrani_routing.cases.ledger import CaseLedger
from nigrani_routing.cases.model import SystemActor, Windows
from nigrani_routing.cases.repository import CasesRepository
from nigrani_routing.cases.service import CaseService
from nigrani_routing.cases.workflow import Refused
from nigrani_routing.queue.due_store import DueTimesStore
from nigrani_routing.queue.projection import QueueProjection
from nigrani_routing.rules.holder import RulesHolder
from nigrani_routing.worker import GROUP_ID

logger = logging.getLogger(__name__)

TIMERS = "timers"
LAPSE_WHEEL = "confirmation-lapse"
RELAY_GRACE = timedelta(seconds=5)


@dataclass(frozen=True)
class RoutingParts:
    repository: CasesRepository
    ledger: CaseLedger
    cases: CaseService
    queue: QueueProjection
    lapses: MinuteTimers
    due_times: DueTimesStore


def windows_of(settings: NigraniSettings) -> Windows:
    return Windows(
        confirmation=timedelta(days=settings.confirmation_window_days),
        reopen=timedelta(days=settings.reopen_window_days),
    )


def build_parts(
    clients: ServiceClients, rules: RulesHolder, windows: Windows, *, with_queue: bool = True
) -> RoutingParts:
    """`with_queue=False` for the worker process, which serves no staff queue."""
    topic = clients.settings.lifecycle_topic
    repository = CasesRepository(clients.db)
    queue = QueueProjection()

    async def publish(event: EventEnvelope) -> None:
        await clients.producer.publish(topic, event)

    ledger = CaseLedger(repository, publish, on_committed=queue.apply if with_queue else None)
    lapses = MinuteTimers(clients.db[TIMERS], LAPSE_WHEEL)
    cases = CaseService(rules=rules, ledger=ledger, windows=windows, schedule_lapse=lapses.schedule)
    return RoutingParts(repository, ledger, cases, queue, lapses, DueTimesStore(clients.db))


async def lapse(
    parts: RoutingParts, request_id: str, due_at: datetime, *, now: datetime | None = None
) -> None:
    """Closes a resolution the citizen left unanswered; anything else is refused quietly
    (the case was confirmed, disputed or reopened meanwhile)."""
    attempt = derived_event_id(request_id, "confirmation-lapse", due_at.isoformat())
    command = Command(action=Action.LAPSE_CONFIRMATION)
    # A persistent lost race (StillConflicting) propagates: the sweep stops before
    # moving its cursor past this timer, and fires it again on its next round.
    with contextlib.suppress(Refused):
        await parts.cases.act(request_id, command, SystemActor(), attempt, now or utc_now())


def start_loops(stack: AsyncExitStack, parts: RoutingParts, *, every_seconds: float = 2.0) -> None:
    """The relay and the lapse sweep, stopped when the stack closes."""

    async def relay_round() -> None:
        await parts.ledger.relay_round(RELAY_GRACE)

    async def sweep_round() -> None:
        await parts.lapses.sweep(lambda key, due: lapse(parts, key, due))

    start_loop(stack, "case-relay", relay_round, every_seconds)
    start_loop(stack, "lapse-sweep", sweep_round, every_seconds)


def start_queue_feed(
    stack: AsyncExitStack, clients: ServiceClients, parts: RoutingParts
) -> BroadcastReader:
    """Keeps this process's queue projection current from the lifecycle topic."""

    async def on_event(envelope: EventEnvelope) -> None:
        data = envelope.data
        if isinstance(data, DeadlineSet):
            parts.queue.due.learn_deadline(data)
            return
        if isinstance(data, SlaBreached):
            parts.queue.due.learn_breach(data)
            return
        if not isinstance(data, RequestRouted | CaseChanged):
            return
        version = data.case_version if isinstance(data, CaseChanged) else 1
        if parts.queue.version_of(data.request_id) >= version:
            return  # this process's own commit, applied when it was made
        loaded = await parts.ledger.load(data.request_id)
        if loaded is not None:
            parts.queue.apply(loaded.case)

    async def resync() -> None:
        parts.queue.load(case_from_document(d) for d in await parts.repository.all_snapshots())
        parts.queue.due.load(await parts.due_times.everything())

    async def start_at(
        partitions: frozenset[TopicPartition],
    ) -> dict[TopicPartition, int | None]:
        bootstrap = clients.settings.kafka_bootstrap_servers
        return await committed_offsets(bootstrap, GROUP_ID, partitions)

    reader = BroadcastReader(
        bootstrap_servers=clients.settings.kafka_bootstrap_servers,
        topic=clients.settings.lifecycle_topic,
        on_event=on_event,
        resync=resync,
        client_id="nigrani-routing-queue",
        start_at=start_at,
    )
    reader.start()
    stack.push_async_callback(reader.stop)
    return reader
