"""Contact details stay in intake's store, reach services only through the authenticated
internal look-up, and are erased for good when the citizen asks with code and token."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from nigrani_shared.events import derived_event_id

from tests.support.infra import Infra
from tests.support.kafka import events_on_topic
from tests.support.requests import CONTACT, PERSONAL_DATA, routed_view, water_request
from tests.support.system import System, running_system
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

SERVICE_TOKEN = "internal-service-token-for-tests-0123456789"
INTERNAL = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


async def _everything_stored(system: System) -> str:
    """Every document of every intake collection, as one string to search."""
    dumps = []
    for name in await system.intake_db.list_collection_names():
        async for document in system.intake_db[name].find({}):
            dumps.append(json.dumps(document, default=str))
    return "\n".join(dumps)


async def _submit(system: System, key: str | None = None) -> dict[str, Any]:
    headers = {"Idempotency-Key": key} if key else {}
    response = await system.intake.post("/v1/requests", json=water_request(), headers=headers)
    assert response.status_code == 201
    accepted: dict[str, Any] = response.json()
    await eventually(
        lambda: routed_view(system.intake, accepted["tracking_code"]), within=60, what="routed"
    )
    return accepted


async def test_services_look_contact_details_up_with_their_token_only(infra: Infra) -> None:
    overrides = {"internal_api_token": SERVICE_TOKEN}
    async with running_system(infra, intake_overrides=overrides) as system:
        code = (await _submit(system))["tracking_code"]
        url = f"/internal/v1/requests/{code}/contact"

        assert (await system.intake.get(url)).status_code == 401
        wrong = {"Authorization": "Bearer " + "x" * 40}
        assert (await system.intake.get(url, headers=wrong)).status_code == 401
        found = await system.intake.get(url, headers=INTERNAL)
        assert found.status_code == 200
        assert found.json()["contact"]["phone"] == CONTACT["phone"]
        assert found.json()["erased"] is False


async def test_the_internal_look_up_is_closed_when_no_service_token_is_configured(
    infra: Infra,
) -> None:
    async with running_system(infra, with_routing=False) as system:
        response = await system.intake.get(
            "/internal/v1/requests/ABCD-EFGH-JKMN/contact", headers=INTERNAL
        )
        assert response.status_code == 401


async def test_a_citizen_erases_their_contact_details_everywhere(infra: Infra) -> None:
    overrides = {"internal_api_token": SERVICE_TOKEN}
    async with running_system(infra, intake_overrides=overrides) as system:
        key = str(uuid.uuid4())
        accepted = await _submit(system, key)
        code, token = accepted["tracking_code"], accepted["citizen_token"]
        view_before = (await system.intake.get(f"/v1/requests/{code}")).json()
        assert "Siddiqui" in await _everything_stored(system)  # the canary is there to find

        wrong = await system.intake.delete(
            f"/v1/requests/{code}/contact", headers={"X-Citizen-Token": "A" * 43}
        )
        assert wrong.status_code == 404  # a wrong token is answered as an unknown code
        assert "Siddiqui" in await _everything_stored(system)

        erased = await system.intake.delete(
            f"/v1/requests/{code}/contact", headers={"X-Citizen-Token": token}
        )
        assert erased.status_code == 200
        stored = await _everything_stored(system)
        for value in PERSONAL_DATA:
            assert value not in stored, value

        again = await system.intake.delete(
            f"/v1/requests/{code}/contact", headers={"X-Citizen-Token": token}
        )
        assert again.status_code == 200
        assert again.json()["contact_erased_at"] == erased.json()["contact_erased_at"]

        # The public timeline is untouched, and services are told the details are gone.
        assert (await system.intake.get(f"/v1/requests/{code}")).json() == view_before
        looked_up = await system.intake.get(
            f"/internal/v1/requests/{code}/contact", headers=INTERNAL
        )
        assert looked_up.json() == {"request_id": code, "contact": None, "erased": True}

        async def erasure_announced() -> bool:
            events = await events_on_topic(infra.kafka_bootstrap_servers, system.topic)
            erasures = [e for e in events if e["id"] == derived_event_id(code, "contact-erased")]
            # Each call announces it unless its entry is still pending (a call cut short is
            # finished by the retry): one event, perhaps in two identical records.
            return len(erasures) >= 1 and all(e["data"] == erasures[0]["data"] for e in erasures)

        await eventually(erasure_announced, within=60, what="request.contact_erased published")

        # The citizen's app retries the original submission: same answer, and the contact
        # details it carries are not stored again.
        replay = await system.intake.post(
            "/v1/requests", json=water_request(), headers={"Idempotency-Key": key}
        )
        assert replay.status_code == 201
        assert replay.headers["Idempotent-Replayed"] == "true"
        stored = await _everything_stored(system)
        for value in PERSONAL_DATA:
            assert value not in stored, value


async def test_erasure_also_scrubs_a_submission_still_waiting_for_kafka(infra: Infra) -> None:
    async with running_system(infra) as system:
        await infra.stop_kafka()
        try:
            response = await system.intake.post("/v1/requests", json=water_request())
            accepted = response.json()
            assert "Siddiqui" in await _everything_stored(system)  # in the request and entry
            erased = await system.intake.delete(
                f"/v1/requests/{accepted['tracking_code']}/contact",
                headers={"X-Citizen-Token": accepted["citizen_token"]},
            )
            assert erased.status_code == 200
            stored = await _everything_stored(system)
            assert await system.intake_db["outbox"].count_documents({}) == 2  # still pending
            for value in PERSONAL_DATA:
                assert value not in stored, value
        finally:
            await infra.start_kafka()
        await eventually(
            lambda: routed_view(system.intake, accepted["tracking_code"]),
            within=120,
            what="routed after Kafka is back",
        )
        # One key, one partition: the request is announced before the news of its erasure.
        events = await events_on_topic(infra.kafka_bootstrap_servers, system.topic)
        kinds = [
            e["type"].split(".")[-2] for e in events if e["subject"] == accepted["tracking_code"]
        ]
        assert kinds.index("submitted") < kinds.index("contact_erased"), kinds


async def test_guessing_citizen_tokens_is_rate_limited(infra: Infra) -> None:
    async with running_system(
        infra,
        with_routing=False,
        intake_overrides={"rate_limit_token": 3, "rate_limit_window_seconds": 3600},
    ) as system:
        code = (await system.intake.post("/v1/requests", json=water_request())).json()[
            "tracking_code"
        ]
        guesses = [
            await system.intake.delete(
                f"/v1/requests/{code}/contact", headers={"X-Citizen-Token": f"{n:043d}"}
            )
            for n in range(4)
        ]
        assert [g.status_code for g in guesses] == [404, 404, 404, 429]
        assert int(guesses[-1].headers["Retry-After"]) > 0
