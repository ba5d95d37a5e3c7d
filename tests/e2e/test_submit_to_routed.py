"""A citizen's request crosses the real broker and store and comes back routed."""

from __future__ import annotations

import logging

import pytest
from nigrani_shared.logging import quiet_noisy_loggers

from tests.support.infra import Infra
from tests.support.requests import PERSONAL_DATA, public_status, routed_view, water_request
from tests.support.system import running_system
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


async def test_a_submitted_request_is_routed_and_shown_publicly(
    infra: Infra, caplog: pytest.LogCaptureFixture
) -> None:
    quiet_noisy_loggers()
    caplog.set_level(logging.DEBUG)
    async with running_system(infra) as system:
        response = await system.intake.post("/v1/requests", json=water_request())
        assert response.status_code == 201, response.text
        accepted = response.json()
        code = accepted["tracking_code"]
        assert accepted["citizen_token"]

        right_away = await public_status(system.intake, code)
        assert right_away is not None, "the code must answer as soon as the POST returns"

        view = await eventually(
            lambda: routed_view(system.intake, code), within=60, what="public view shows routed"
        )
        assert view["department"] == {
            "code": "WASA-LHR",
            "name": "Water and Sanitation Agency Lahore",
        }
        assert view["status_text"] == "Routed to Water and Sanitation Agency Lahore"
        assert [entry["status"] for entry in view["timeline"]] == ["submitted", "routed"]

        case = await system.routing_db["cases"].find_one({"_id": code})
        assert case is not None
        assert case["rule_id"] == "water-lahore"

    logged = "\n".join(record.getMessage() + str(record.__dict__) for record in caplog.records)
    for secret in (*PERSONAL_DATA, accepted["citizen_token"]):
        assert secret not in logged


async def test_the_public_view_never_shows_contact_details(infra: Infra) -> None:
    async with running_system(infra) as system:
        plain = await system.intake.post("/v1/requests", json=water_request())
        sensitive = await system.intake.post(
            "/v1/requests",
            json=water_request(category="police.harassment", description="Stopped and threatened"),
        )
        assert plain.status_code == sensitive.status_code == 201
        for accepted in (plain.json(), sensitive.json()):
            view = await eventually(
                lambda code=accepted["tracking_code"]: routed_view(system.intake, code),
                within=60,
                what="routed",
            )
            text = str(view)
            for secret in (*PERSONAL_DATA, accepted["citizen_token"], "31.5204", "74.3587"):
                assert secret not in text
            assert "description" not in view
        sensitive_view = await public_status(system.intake, sensitive.json()["tracking_code"])
        plain_view = await public_status(system.intake, plain.json()["tracking_code"])
        assert sensitive_view is not None
        assert plain_view is not None
        assert sensitive_view["address"] is None
        assert "Gulberg" not in str(sensitive_view)
        assert plain_view["address"] == "Street 4, Gulberg III"
