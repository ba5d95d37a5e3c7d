"""Idempotency, read-your-writes, the catalog, unknown codes and the operational endpoints."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from tests.support.infra import Infra
from tests.support.requests import water_request
from tests.support.system import running_system
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


async def test_a_retry_with_the_same_key_returns_the_same_answer_and_creates_nothing(
    infra: Infra,
) -> None:
    async with running_system(infra, with_routing=False) as system:
        key = str(uuid.uuid4())
        headers = {"Idempotency-Key": key}
        first = await system.intake.post("/v1/requests", json=water_request(), headers=headers)
        again = await asyncio.gather(
            *(
                system.intake.post("/v1/requests", json=water_request(), headers=headers)
                for _ in range(5)
            )
        )
        assert first.status_code == 201
        assert "Idempotent-Replayed" not in first.headers
        for retry in again:
            assert retry.status_code == 201
            assert retry.json() == first.json()
            assert retry.headers["Idempotent-Replayed"] == "true"
        assert await system.intake_db["requests"].count_documents({}) == 1

        changed = await system.intake.post(
            "/v1/requests", json=water_request(description="Something else"), headers=headers
        )
        assert changed.status_code == 422
        assert changed.json()["errors"][0]["field"] == "header.Idempotency-Key"


async def test_concurrent_submissions_are_all_accepted(infra: Infra) -> None:
    """The endpoint and the relay derive the same request concurrently: never a 500."""
    async with running_system(infra, with_routing=False) as system:
        responses = await asyncio.gather(
            *(system.intake.post("/v1/requests", json=water_request()) for _ in range(60))
        )
        assert [r.status_code for r in responses] == [201] * 60
        codes = {r.json()["tracking_code"] for r in responses}
        assert len(codes) == 60
        assert await system.intake_db["requests"].count_documents({}) == 60


async def test_the_token_is_stored_only_as_a_hash(infra: Infra) -> None:
    async with running_system(infra, with_routing=False) as system:
        accepted = (await system.intake.post("/v1/requests", json=water_request())).json()
        stored = await system.intake_db["requests"].find_one({"_id": accepted["tracking_code"]})
        assert stored is not None
        assert accepted["citizen_token"] not in str(stored)
        assert len(stored["token_hash"]) == 64


async def test_codes_are_read_forgivingly_and_unknown_ones_are_404(infra: Infra) -> None:
    async with running_system(infra, with_routing=False) as system:
        code = (await system.intake.post("/v1/requests", json=water_request())).json()[
            "tracking_code"
        ]
        spoken = code.lower().replace("-", " ")
        found = await system.intake.get(f"/v1/requests/{spoken}")
        assert found.status_code == 200
        assert found.json()["tracking_code"] == code
        typo = code[:-1] + ("0" if code[-1] != "0" else "1")
        assert (await system.intake.get(f"/v1/requests/{typo}")).status_code == 404
        assert (await system.intake.get("/v1/requests/0000-0000-0000")).status_code == 404


async def test_the_catalog_lists_categories_in_english_and_urdu(infra: Infra) -> None:
    async with running_system(infra, with_routing=False) as system:
        response = await system.intake.get("/v1/services")
        assert response.status_code == 200
        by_code = {c["code"]: c for c in response.json()}
        assert by_code["water.no_supply"]["name_ur"] == "پانی کی فراہمی بند"
        assert by_code["integrity.bribe_demanded"]["anonymous"] is True
        assert by_code["police.harassment"]["sensitive"] is True


async def test_operational_endpoints(infra: Infra) -> None:
    async with running_system(infra) as system:
        for client in (system.intake, system.routing):
            assert client is not None
            assert (await client.get("/healthz")).json() == {"status": "ok"}

            async def ready(client: httpx.AsyncClient = client) -> httpx.Response | None:
                response = await client.get("/readyz")
                return response if response.status_code == 200 else None

            # Ready only once the consumer has joined its group, which takes a moment.
            answer = await eventually(ready, within=60, what="ready")
            expected = {"store": True, "consumer": True}
            if client is system.routing:
                expected["kafka"] = True  # intake's API alone does without (its outbox)
                expected["queue"] = True  # the staff queue has loaded
            assert answer.json()["checks"] == expected
        await system.intake.post("/v1/requests", json=water_request())
        metrics = (await system.intake.get("/metrics")).text
        assert "nigrani_requests_submitted_total" in metrics
        assert "nigrani_outbox_pending" in metrics
