"""Runs intake and routing in this process against the real broker and store.

Each system gets its own topic prefix and databases, so tests share one infrastructure
boot without seeing each other's data.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from nigrani_intake.config import IntakeSettings
from nigrani_intake.main import create_app as create_intake
from nigrani_intake.submissions.service import SubmissionService
from nigrani_routing.config import RoutingSettings
from nigrani_routing.main import create_app as create_routing
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from tests.support.infra import Infra

Document = dict[str, Any]
# Tests submit many requests from one address: limits stay on (the code runs) but far away.
# The rate-limit tests pass their own through `intake_overrides`.
GENEROUS_RATE_LIMITS = {
    "rate_limit_submit": 100_000,
    "rate_limit_lookup": 100_000,
    "rate_limit_token": 100_000,
}


@dataclass
class System:
    intake: httpx.AsyncClient
    routing: httpx.AsyncClient | None
    intake_settings: IntakeSettings
    routing_settings: RoutingSettings
    mongo: AsyncMongoClient[Document]
    intake_app: FastAPI
    routing_app: FastAPI | None = None

    @property
    def submissions(self) -> SubmissionService:
        """The running intake's submission service (tests set its between-writes hook)."""
        service: SubmissionService = self.intake_app.state.context.submissions
        return service

    @property
    def intake_db(self) -> AsyncDatabase[Document]:
        return self.mongo[self.intake_settings.database_name]

    @property
    def routing_db(self) -> AsyncDatabase[Document]:
        return self.mongo[self.routing_settings.database_name]

    async def case(self, code: str) -> Document | None:
        """Routing's case for a request, or None while it is not routed."""
        return await self.routing_db["cases"].find_one({"_id": code})

    @property
    def topic(self) -> str:
        return self.intake_settings.lifecycle_topic


def settings_for(
    infra: Infra,
    prefix: str,
    intake_overrides: dict[str, Any] | None = None,
    routing_overrides: dict[str, Any] | None = None,
) -> tuple[IntakeSettings, RoutingSettings]:
    common: dict[str, Any] = {
        "environment": "test",
        "kafka_bootstrap_servers": infra.kafka_bootstrap_servers,
        "mongodb_uri": infra.mongodb_uri,
        "topic_prefix": prefix,
        "secret_key": "test-secret-" + prefix,
        # The test broker is a single node (set explicitly, not left to the defaults).
        "kafka_replication_factor": 1,
        "kafka_min_insync_replicas": 1,
    }
    return (
        IntakeSettings(
            **common,
            database_name=f"{prefix}_intake",
            **{**GENEROUS_RATE_LIMITS, **(intake_overrides or {})},
        ),
        RoutingSettings(**common, database_name=f"{prefix}_routing", **(routing_overrides or {})),
    )


@asynccontextmanager
async def _serving(app: FastAPI, base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client


@asynccontextmanager
async def running_system(
    infra: Infra,
    *,
    with_routing: bool = True,
    prefix: str | None = None,
    intake_overrides: dict[str, Any] | None = None,
    routing_overrides: dict[str, Any] | None = None,
) -> AsyncIterator[System]:
    prefix = prefix or f"t{uuid.uuid4().hex[:10]}"
    intake_settings, routing_settings = settings_for(
        infra, prefix, intake_overrides, routing_overrides
    )
    async with AsyncExitStack() as stack:
        mongo: AsyncMongoClient[Document] = AsyncMongoClient(infra.mongodb_uri, tz_aware=True)
        stack.push_async_callback(mongo.close)
        routing = None
        routing_app = create_routing(routing_settings) if with_routing else None
        if routing_app is not None:
            routing = await stack.enter_async_context(_serving(routing_app, "http://routing"))
        intake_app = create_intake(intake_settings)
        intake = await stack.enter_async_context(_serving(intake_app, "http://intake"))
        yield System(
            intake, routing, intake_settings, routing_settings, mongo, intake_app, routing_app
        )


def client_at(app: FastAPI, address: str, base_url: str = "http://intake") -> httpx.AsyncClient:
    """An HTTP client whose requests reach `app` from the TCP peer `address`."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url=base_url)


@asynccontextmanager
async def intake_replica(system: System) -> AsyncIterator[FastAPI]:
    """Another intake process on the same database and topics (its consumer off, so no
    rebalance), as when several replicas run behind one load balancer."""
    settings = system.intake_settings.model_copy(update={"embedded_worker": False})
    app = create_intake(settings)
    async with app.router.lifespan_context(app):
        yield app


@asynccontextmanager
async def routing_replica(system: System) -> AsyncIterator[httpx.AsyncClient]:
    """Another routing API process on the same database and topics, its consumer off: its
    staff queue is loaded at its start-up and then follows the topic."""
    settings = system.routing_settings.model_copy(update={"embedded_worker": False})
    async with _serving(create_routing(settings), "http://routing-replica") as client:
        yield client
