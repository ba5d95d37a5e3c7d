"""Routing's case changes become intake's public timeline: each transition with its public
note only, in case-version order, one effect per event, never a regression."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from nigrani_intake.handlers import case_change_entry
from nigrani_shared.clock import utc_now

from tests.support.citizen import NO_STATUS_CACHE, apply, citizen, submit, submit_routed
from tests.support.events import STAFF_CANARIES, case_changed
from tests.support.infra import Infra
from tests.support.system import running_system

pytestmark = pytest.mark.integration


async def test_the_public_timeline_shows_public_notes_and_never_staff_fields(
    infra: Infra,
) -> None:
    bootstrap = infra.kafka_bootstrap_servers
    async with running_system(
        infra, with_routing=False, intake_overrides=NO_STATUS_CACHE
    ) as system:
        code, token = await submit_routed(system, bootstrap)
        await apply(
            system,
            bootstrap,
            [
                case_changed(code, version=2, to_state="assigned", public_note="A crew is on it"),
                case_changed(code, version=3, to_state="in_progress", from_state="assigned"),
                case_changed(
                    code,
                    version=4,
                    to_state="routed",
                    from_state="in_progress",
                    department_code="LWMC",
                    department_name="Lahore Waste Management Company",
                ),
            ],
        )
        response = await system.intake.get(f"/v1/requests/{code}")
        view = response.json()
        assert [(e["status"], e["detail"]) for e in view["timeline"]] == [
            ("submitted", "Submitted"),
            ("routed", "Routed to Communication and Works Department"),
            ("assigned", "A crew is on it"),
            ("in_progress", "Work in progress at Water and Sanitation Agency Lahore"),
            ("routed", "Routed to Lahore Waste Management Company"),
        ]
        assert view["status"] == "routed"
        assert view["department"] == {"code": "LWMC", "name": "Lahore Waste Management Company"}

        private = await system.intake.get(f"/v1/requests/{code}/private", headers=citizen(token))
        request = await system.intake_db["requests"].find_one({"_id": code})
        entries = await system.intake_db["timeline"].find({"request_id": code}).to_list()
        stored = json.dumps([request, entries], default=str)
        for canary in STAFF_CANARIES:
            assert canary not in response.text, canary
            assert canary not in private.text, canary
            assert canary not in stored, canary


async def test_a_duplicate_or_older_event_has_one_effect_and_never_regresses(
    infra: Infra,
) -> None:
    bootstrap = infra.kafka_bootstrap_servers
    async with running_system(
        infra, with_routing=False, intake_overrides=NO_STATUS_CACHE
    ) as system:
        code, _ = await submit_routed(system, bootstrap)
        started = utc_now()
        resolved = case_changed(
            code, version=3, to_state="resolved", public_note="Pipe fixed", occurred_at=started
        )
        await apply(system, bootstrap, [resolved])
        # Late: the older change arrives after the newer one, and the newer one again.
        older = case_changed(
            code, version=2, to_state="in_progress", occurred_at=started - timedelta(minutes=5)
        )
        await apply(system, bootstrap, [resolved, older])

        view = (await system.intake.get(f"/v1/requests/{code}")).json()
        assert view["status"] == "resolved"
        assert [e["status"] for e in view["timeline"]] == [
            "submitted",
            "routed",
            "in_progress",
            "resolved",
        ]
        entries = await system.intake_db["timeline"].find({"request_id": code}).to_list()
        assert sorted(e["_id"] for e in entries) == [f"{code}:{v}" for v in (1, 2, 3)]


async def test_a_request_stored_in_the_older_layout_keeps_its_timeline_and_messages(
    infra: Infra,
) -> None:
    """Before entries and message references had documents of their own, they were maps
    on the request: those are still read, and later entries follow them."""
    bootstrap = infra.kafka_bootstrap_servers
    async with running_system(
        infra, with_routing=False, intake_overrides=NO_STATUS_CACHE
    ) as system:
        code, token = await submit(system)
        requests = system.intake_db["requests"]
        stored = await requests.find_one({"_id": code})
        assert stored is not None
        at = stored["submitted_at"]
        routed_entry = {
            "status": "routed",
            "at": at + timedelta(seconds=1),
            "department_code": "WASA-LHR",
            "department_name": "Water and Sanitation Agency Lahore",
        }
        waiting = case_changed(code, version=2, to_state="awaiting_citizen", public_note="Which?")
        message_id = str(uuid.uuid4())
        await system.intake_db["messages"].insert_one(
            {
                "_id": message_id,
                "request_id": code,
                "attempt": "old",
                "action": "add_information",
                "text": "House 12",
                "fingerprint": "old",
                "acted_at": at + timedelta(seconds=3),
                "event_id": str(uuid.uuid4()),
            }
        )
        await requests.update_one(
            {"_id": code},
            {
                "$set": {
                    "timeline.old-routed": routed_entry,
                    f"timeline.{waiting.id}": case_change_entry(waiting.data),  # type: ignore[arg-type]
                    f"citizen_messages.{message_id}": {"action": "add_information"},
                }
            },
        )
        await apply(system, bootstrap, [case_changed(code, version=3, to_state="in_progress")])

        view = (await system.intake.get(f"/v1/requests/{code}")).json()
        assert [e["status"] for e in view["timeline"]] == [
            "submitted",
            "routed",
            "awaiting_citizen",
            "in_progress",
        ]
        private = await system.intake.get(f"/v1/requests/{code}/private", headers=citizen(token))
        assert [m["message_id"] for m in private.json()["messages"]] == [message_id]
