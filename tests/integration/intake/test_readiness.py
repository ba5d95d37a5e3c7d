"""Intake's API takes requests while Kafka is down (its outbox keeps them), so its /readyz
must not depend on Kafka: a load balancer or Kubernetes would otherwise stop sending
citizens to it for exactly the outage the outbox exists for."""

from __future__ import annotations

import httpx
import pytest
from nigrani_intake.main import create_app

from tests.support.infra import Infra
from tests.support.processes import free_port
from tests.support.requests import water_request
from tests.support.system import running_system

pytestmark = pytest.mark.integration


async def test_an_api_without_its_consumer_stays_ready_and_accepts_while_kafka_is_away(
    infra: Infra,
) -> None:
    async with running_system(infra, with_routing=False) as system:
        nothing_listens = f"127.0.0.1:{free_port()}"
        settings = system.intake_settings.model_copy(
            update={"embedded_worker": False, "kafka_bootstrap_servers": nothing_listens}
        )
        app = create_app(settings)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://intake"
            ) as intake,
        ):
            ready = await intake.get("/readyz")
            accepted = await intake.post("/v1/requests", json=water_request())
            pending = await system.intake_db["outbox"].count_documents({})

    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"store": True}
    assert accepted.status_code == 201
    assert pending == 1  # kept for the relay until Kafka is back
