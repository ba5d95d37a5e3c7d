"""Rules reload without a restart: the admin endpoint and SIGHUP change how the next
submission is routed; a bad file is refused naming its line and the rules in force stay.
Also, end to end, a complaint naming a department goes to its oversight body."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest
from nigrani_routing.rules.loader import DEFAULT_AREAS_PATH, DEFAULT_RULES_PATH

from tests.support.infra import Infra
from tests.support.requests import water_request
from tests.support.system import System, running_system
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

TOKEN = "admin-token-for-tests-" + "x" * 16
MODEL_TOWN = {"lat": 31.48, "lon": 74.32, "address": "Block C", "district": "Lahore"}


async def _routed_case(system: System, body: dict[str, Any]) -> dict[str, Any]:
    response = await system.intake.post("/v1/requests", json=body)
    assert response.status_code == 201, response.text
    code = response.json()["tracking_code"]

    async def case() -> dict[str, Any] | None:
        found = await system.case(code)
        announced = await system.routing_db["case_outbox"].count_documents({"request_id": code})
        return found if found and not announced else None

    return await eventually(case, within=60, what=f"case {code} routed")


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


async def test_a_reload_changes_the_routing_of_the_next_submission(
    infra: Infra, tmp_path: Path
) -> None:
    rules = tmp_path / "routing.yaml"
    rules.write_bytes(DEFAULT_RULES_PATH.read_bytes())
    overrides = {"rules_path": rules, "areas_path": DEFAULT_AREAS_PATH, "admin_api_token": TOKEN}
    async with running_system(infra, routing_overrides=overrides) as system:
        routing = system.routing
        assert routing is not None
        admin = {"Authorization": f"Bearer {TOKEN}"}
        body = water_request(location=MODEL_TOWN)

        first = await _routed_case(system, body)
        assert first["department_code"] == "WASA-LHR-MODEL-TOWN"
        assert first["areas"] == ["pk-pb-lahore-model-town", "pk-pb-lahore"]
        version = first["rule_set_version"]

        unauthorised = await routing.post("/admin/v1/rules/reload")
        assert unauthorised.status_code == 401

        _replace(rules, "department: WASA-LHR-MODEL-TOWN\n", "department: WASA-LHR-MODEL\n")
        refused = await routing.post("/admin/v1/rules/reload", headers=admin)
        assert refused.status_code == 422
        assert refused.json()["detail"].startswith("routing.yaml line ")
        assert "unknown department WASA-LHR-MODEL" in refused.json()["detail"]
        assert refused.json()["version_in_force"] == version
        assert (await _routed_case(system, body))["department_code"] == "WASA-LHR-MODEL-TOWN"

        _replace(rules, "department: WASA-LHR-MODEL\n", "department: WASA-LHR\n")
        reloaded = await routing.post("/admin/v1/rules/reload", headers=admin)
        assert reloaded.status_code == 200
        assert reloaded.json()["previous_version"] == version
        new_version = reloaded.json()["version"]
        second = await _routed_case(system, body)
        assert (second["department_code"], second["rule_set_version"]) == (
            "WASA-LHR",
            new_version,
        )

        _replace(rules, "    department: WASA-LHR\n", "    department: LG-WATER\n")
        os.kill(os.getpid(), signal.SIGHUP)

        async def reloaded_by_signal() -> bool:
            metrics = (await routing.get("/metrics")).text
            return f'version="{new_version}"' not in metrics

        await eventually(reloaded_by_signal, within=10, what="SIGHUP reload")
        assert (await _routed_case(system, body))["department_code"] == "LG-WATER"


async def test_a_complaint_naming_a_department_goes_to_its_oversight(infra: Infra) -> None:
    async with running_system(infra) as system:
        departments = (await system.intake.get("/v1/departments")).json()
        assert {"code": "ACE", "name": "Anti-Corruption Establishment"} in departments
        complaint = {
            "category": "integrity.bribe_demanded",
            "description": "The clerk asked for money to process the file",
            "location": {"lat": 31.48, "lon": 74.32, "district": "Lahore"},
            "concerns_department": "ACE",
        }
        case = await _routed_case(system, complaint)
        assert (case["department_code"], case["rule_id"]) == ("OMBUDSMAN", "conflict-of-interest")
        assert (case["conflict_of_interest"], case["excluded_department"]) == (True, "ACE")
        assert case["areas"] == []  # an anonymous category's point never leaves intake

        unknown = await system.intake.post(
            "/v1/requests", json={**complaint, "concerns_department": "ACE-X"}
        )
        assert unknown.status_code == 422
        assert unknown.json()["errors"][0]["field"] == "body.concerns_department"
        assert "ACE-X" not in unknown.text
