"""Routing's case service and ledger on the real store, with Kafka replaced by a list (or
a failing function) so that tests can force exact interleavings."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nigrani_routing.cases.ledger import CaseLedger, Committed
from nigrani_routing.cases.model import Windows
from nigrani_routing.cases.repository import CasesRepository
from nigrani_routing.cases.service import CaseService, Submission
from nigrani_routing.composition import LAPSE_WHEEL, RoutingParts
from nigrani_routing.queue.due_store import DueTimesStore
from nigrani_routing.queue.projection import QueueProjection
from nigrani_routing.rules.holder import RulesHolder
from nigrani_routing.rules.loader import DEFAULT_AREAS_PATH, DEFAULT_RULES_PATH
from nigrani_shared.events import EventEnvelope, PlaceRef
from nigrani_shared.events import RequestSubmitted as Submitted
from nigrani_shared.store.client import Document
from nigrani_shared.timers import MinuteTimers
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from tests.support.infra import Infra


@dataclass
class Bench:
    db: AsyncDatabase[Document]
    parts: RoutingParts
    published: list[EventEnvelope]
    broker_down: bool = False

    @property
    def ledger(self) -> CaseLedger:
        return self.parts.ledger

    @property
    def cases(self) -> CaseService:
        return self.parts.cases


@asynccontextmanager
async def case_bench(infra: Infra, tmp_path: Path) -> AsyncIterator[Bench]:
    mongo: AsyncMongoClient[Document] = AsyncMongoClient(infra.mongodb_uri, tz_aware=True)
    db = mongo[f"t{uuid.uuid4().hex[:10]}_routing"]
    rules = tmp_path / "routing.yaml"
    rules.write_bytes(DEFAULT_RULES_PATH.read_bytes())
    published: list[EventEnvelope] = []
    state = Bench(db, None, published)  # type: ignore[arg-type]

    async def publish(event: EventEnvelope) -> None:
        if state.broker_down:
            raise ConnectionError("broker down")
        published.append(event)

    repository = CasesRepository(db)
    queue = QueueProjection()
    ledger = CaseLedger(repository, publish, on_committed=queue.apply)
    timers = MinuteTimers(db["timers"], LAPSE_WHEEL)
    windows = Windows(confirmation=timedelta(minutes=5), reopen=timedelta(days=1))
    service = CaseService(
        rules=RulesHolder(rules, DEFAULT_AREAS_PATH),
        ledger=ledger,
        windows=windows,
        schedule_lapse=timers.schedule,
    )
    state.parts = RoutingParts(repository, ledger, service, queue, timers, DueTimesStore(db))
    yield state
    await mongo.close()


def submission(code: str, **changes: object) -> Submission:
    event = Submitted(
        **{
            "request_id": code,
            "category": "water.no_supply",
            "place": PlaceRef(lat=31.48, lon=74.32, district="Lahore"),
            "channel": "web",
            "sensitive": False,
            "anonymous": False,
            "has_contact": False,
            "submitted_at": datetime(2026, 11, 1, tzinfo=UTC),
            **changes,
        }
    )
    return Submission.of(event)


async def opened(bench: Bench, code: str, **changes: object) -> Committed:
    outcome = await bench.cases.open_case(submission(code, **changes), attempt=f"sub-{code}")
    assert outcome is not None
    return outcome
