"""A request's whole life through both services, the real broker and the real store:
submit -> routed -> claimed -> in progress -> awaiting the citizen -> the citizen answers ->
resolved -> the citizen confirms -> closed, with the public timeline matching and staff
notes never public; a dispute reopens; another department sees 404 everywhere; illegal
transitions get 409; concurrent claims have one winner; retries have one effect."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from nigrani_shared.auth.identity import Role

from tests.support.citizen import NO_STATUS_CACHE, act
from tests.support.infra import Infra
from tests.support.requests import water_request
from tests.support.staff import staff_headers
from tests.support.system import System, running_system
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

HOME = "WASA-LHR"
# Lahore, outside Model Town (whose own office takes its requests).
PLACE = {"lat": 31.60, "lon": 74.30, "address": "Street 4, Walled City", "district": "Lahore"}
INTERNAL = "INTERNAL-ONLY pipe map reference 7731"


def _staff(system: System, subject: str, department: str, *roles: Role) -> dict[str, str]:
    return staff_headers(system.routing_settings, subject, department, *roles)


async def _routed_request(system: System) -> tuple[str, str]:
    response = await system.intake.post("/v1/requests", json=water_request(location=PLACE))
    assert response.status_code == 201, response.text
    code, token = response.json()["tracking_code"], response.json()["citizen_token"]
    await _wait_state(system, code, "routed")
    return code, token


async def _wait_state(system: System, code: str, state: str) -> dict[str, Any]:
    """Waits until routing's case and intake's public view both show `state`."""
    assert system.routing is not None
    officer = _staff(system, "reader", HOME, Role.OFFICER)

    async def both() -> dict[str, Any] | None:
        case = await system.routing.get(f"/staff/v1/cases/{code}", headers=officer)
        view = await system.intake.get(f"/v1/requests/{code}")
        if (
            case.status_code == view.status_code == 200
            and case.json()["case"]["state"] == state
            and view.json()["status"] == state
        ):
            body: dict[str, Any] = view.json()
            return body
        return None

    return await eventually(both, within=60, interval=0.2, what=f"{code} {state} everywhere")


async def _post(
    system: System, code: str, path: str, headers: dict[str, str], body: dict[str, Any]
) -> httpx.Response:
    assert system.routing is not None
    return await system.routing.post(f"/staff/v1/cases/{code}/{path}", json=body, headers=headers)


async def test_a_request_lives_from_submission_to_confirmed_closure(infra: Infra) -> None:
    async with running_system(infra, intake_overrides=NO_STATUS_CACHE) as system:
        code, token = await _routed_request(system)
        officer = _staff(system, "officer-1", HOME, Role.OFFICER)
        steps: list[tuple[str, dict[str, Any], str]] = [
            ("claim", {}, "assigned"),
            ("transitions", {"action": "start", "internal_note": INTERNAL}, "in_progress"),
            (
                "transitions",
                {"action": "request_information", "public_note": "Which house number?"},
                "awaiting_citizen",
            ),
        ]
        for path, body, state in steps:
            response = await _post(system, code, path, officer, body)
            assert response.status_code == 200, response.text
            await _wait_state(system, code, state)
        answer = await act(system.intake, code, "information", token, text="House 12")
        assert answer.status_code == 202, answer.text
        await _wait_state(system, code, "in_progress")
        resolved = await _post(
            system,
            code,
            "transitions",
            officer,
            {"action": "resolve", "public_note": "The supply valve was repaired."},
        )
        assert resolved.status_code == 200, resolved.text
        await _wait_state(system, code, "resolved")
        confirmed = await act(system.intake, code, "confirmation", token)
        assert confirmed.status_code == 202, confirmed.text
        view = await _wait_state(system, code, "closed")

        timeline = [entry["status"] for entry in view["timeline"]]
        assert timeline == [
            "submitted",
            "routed",
            "assigned",
            "in_progress",
            "awaiting_citizen",
            "in_progress",
            "resolved",
            "closed",
        ]
        details = " ".join(entry["detail"] for entry in view["timeline"])
        assert "Which house number?" in details
        assert "The supply valve was repaired." in details
        public = (await system.intake.get(f"/v1/requests/{code}")).text
        assert INTERNAL not in public
        assert "officer-1" not in public
        assert system.routing is not None
        detail = await system.routing.get(f"/staff/v1/cases/{code}", headers=officer)
        history = detail.json()["history"]
        assert [h["version"] for h in history] == list(range(1, 8))
        assert history[2]["internal_note"] == INTERNAL
        assert history[-1]["actor_kind"] == "citizen"


async def test_a_dispute_reopens_the_case(infra: Infra) -> None:
    async with running_system(infra, intake_overrides=NO_STATUS_CACHE) as system:
        code, token = await _routed_request(system)
        officer = _staff(system, "officer-2", HOME, Role.OFFICER)
        for path, body in (
            ("claim", {}),
            ("transitions", {"action": "start"}),
            ("transitions", {"action": "resolve", "public_note": "Fixed."}),
        ):
            assert (await _post(system, code, path, officer, body)).status_code == 200
        await _wait_state(system, code, "resolved")
        disputed = await act(system.intake, code, "dispute", token, text="Still no water")
        assert disputed.status_code == 202, disputed.text
        await _wait_state(system, code, "assigned")
        assert system.routing is not None
        case = await system.routing.get(f"/staff/v1/cases/{code}", headers=officer)
        assert case.json()["case"]["reopened"] == 1


async def test_another_department_gets_404_on_read_and_on_every_action(infra: Infra) -> None:
    async with running_system(infra) as system:
        code, _ = await _routed_request(system)
        assert system.routing is not None
        stranger = _staff(system, "stranger", "KWSC-KHI", Role.SUPERVISOR)
        missing = await system.routing.get("/staff/v1/cases/NONE-XIST-0000", headers=stranger)
        read = await system.routing.get(f"/staff/v1/cases/{code}", headers=stranger)
        assert read.status_code == missing.status_code == 404
        assert read.json() == missing.json()
        actions = [
            ("claim", {}),
            ("assign", {"assignee": "x"}),
            ("transitions", {"action": "start"}),
            ("notes", {"internal_note": "n"}),
            ("transfer", {"department": "LG-WATER", "reason": "not ours"}),
            ("priority", {"priority": "high", "reason": "urgent"}),
        ]
        for path, body in actions:
            response = await _post(system, code, path, stranger, body)
            assert response.status_code == 404, (path, response.text)
        queue = await system.routing.get("/staff/v1/queue", headers=stranger)
        assert code not in queue.text


async def test_an_illegal_transition_is_409_with_the_state_and_the_allowed_actions(
    infra: Infra,
) -> None:
    async with running_system(infra) as system:
        code, _ = await _routed_request(system)
        officer = _staff(system, "officer-3", HOME, Role.OFFICER)
        response = await _post(
            system, code, "transitions", officer, {"action": "resolve", "public_note": "x"}
        )
        assert response.status_code == 409
        body = response.json()
        assert body["state"] == "routed"
        assert "claim" in body["allowed_actions"]
        assert "resolve" not in body["allowed_actions"]
        no_role = _staff(system, "no-role", HOME)  # an officer may not change priority
        forbidden = await _post(
            system, code, "priority", no_role, {"priority": "high", "reason": "x y z"}
        )
        assert forbidden.status_code == 403
        unauthenticated = await _post(system, code, "claim", {}, {})
        assert unauthenticated.status_code == 401


async def test_two_concurrent_claims_have_one_winner_and_a_retry_one_effect(infra: Infra) -> None:
    async with running_system(infra) as system:
        code, _ = await _routed_request(system)
        first = _staff(system, "officer-a", HOME, Role.OFFICER)
        second = _staff(system, "officer-b", HOME, Role.OFFICER)
        answers = await asyncio.gather(
            _post(system, code, "claim", {**first, "Idempotency-Key": "claim-key-of-a-0001"}, {}),
            _post(system, code, "claim", {**second, "Idempotency-Key": "claim-key-of-b-0001"}, {}),
        )
        assert sorted(a.status_code for a in answers) == [200, 409]
        lost = next(a for a in answers if a.status_code == 409).json()
        assert (lost["state"], lost["version"]) == ("assigned", 2)  # what it lost to, now
        winner = next(a for a in answers if a.status_code == 200).json()["case"]["assignee"]
        retry = await _post(
            system,
            code,
            "claim",
            {
                **(first if winner == "officer-a" else second),
                "Idempotency-Key": f"claim-key-of-{winner[-1]}-0001",
            },
            {},
        )
        assert retry.status_code == 200
        assert retry.headers.get("Idempotent-Replayed") == "true"
        assert await system.routing_db["case_changes"].count_documents({}) == 2


async def test_the_queue_follows_the_case(infra: Infra) -> None:
    """The queue is fed from the lifecycle topic: a routed case appears, a claim shows its
    assignee, a resolution takes it out."""
    async with running_system(infra) as system:
        code, _ = await _routed_request(system)
        assert system.routing is not None
        routing = system.routing
        officer = _staff(system, "officer-q", HOME, Role.OFFICER)

        async def queued(**params: str) -> list[str]:
            page = await routing.get("/staff/v1/queue", params=params, headers=officer)
            assert page.status_code == 200, page.text
            return [item["tracking_code"] for item in page.json()["items"]]

        async def listed() -> bool:
            return code in await queued()

        await eventually(listed, within=30, what="the routed case queued")
        assert (await _post(system, code, "claim", officer, {})).status_code == 200
        assert code in await queued(assignee="officer-q")
        assert code not in await queued(unassigned="true")
        for body in ({"action": "start"}, {"action": "resolve", "public_note": "Done."}):
            assert (await _post(system, code, "transitions", officer, body)).status_code == 200

        async def gone() -> bool:
            return code not in await queued()

        await eventually(gone, within=30, what="the resolved case out of the queue")


async def test_a_retried_transfer_answers_its_outcome_and_a_reused_key_is_refused(
    infra: Infra,
) -> None:
    async with running_system(infra) as system:
        code, _ = await _routed_request(system)
        officer = {**_staff(system, "officer-t", HOME, Role.OFFICER), "Idempotency-Key": "k" * 16}
        body = {"department": "LG-WATER", "reason": "Outside the city network"}
        first = await _post(system, code, "transfer", officer, body)
        assert first.status_code == 200, first.text
        again = await _post(system, code, "transfer", officer, body)
        assert again.status_code == 200, again.text  # not 404: the case left, the key did not
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert again.json() == first.json()
        other = await _post(system, code, "transfer", officer, {**body, "reason": "Other words"})
        assert other.status_code == 422
