"""How notify's deliveries ended reaches intake's internal view of the request (every
audience) and the citizen's private view (their own messages), never the public view;
a redelivered outcome is stored once, and no recipient is kept."""

from __future__ import annotations

import json

import pytest

from tests.support.citizen import NO_STATUS_CACHE, apply, citizen, submit_routed
from tests.support.events import case_changed, notification_outcome
from tests.support.infra import Infra
from tests.support.system import running_system

pytestmark = pytest.mark.integration

SERVICE_TOKEN = "internal-service-token-for-tests"
STAFF_RECIPIENT = "staff:recipient-canary-41"


async def test_outcomes_show_internally_and_privately_never_publicly(infra: Infra) -> None:
    bootstrap = infra.kafka_bootstrap_servers
    overrides = {**NO_STATUS_CACHE, "internal_api_token": SERVICE_TOKEN}
    async with running_system(infra, with_routing=False, intake_overrides=overrides) as system:
        code, token = await submit_routed(system, bootstrap)
        to_citizen = notification_outcome(code, sent=True, attempts=3, reason="http_202")
        to_staff = notification_outcome(
            code,
            sent=False,
            kind="staff_assigned",
            channel="email",
            audience="staff",
            recipient=STAFF_RECIPIENT,
            reason="smtp_550",
        )
        to_subscriber = notification_outcome(
            code,
            sent=True,
            kind="request.status_changed",
            channel="webhook",
            audience="subscriber",
            recipient="subscription:sub_canary",
            reason="http_204",
        )
        # The citizen's outcome comes again (a redelivery), then a case change: once the
        # change is applied, everything before it on the request's partition is too.
        await apply(
            system,
            bootstrap,
            [
                to_citizen,
                to_staff,
                to_subscriber,
                to_citizen,
                case_changed(code, version=2, to_state="assigned"),
            ],
        )

        internal = await system.intake.get(
            f"/internal/v1/requests/{code}/notifications",
            headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
        )
        private = await system.intake.get(f"/v1/requests/{code}/private", headers=citizen(token))
        public = await system.intake.get(f"/v1/requests/{code}")

        assert internal.status_code == 200, internal.text
        shown = internal.json()["notifications"]
        assert [(n["channel"], n["kind"], n["audience"], n["outcome"]) for n in shown] == [
            ("sms", "received", "citizen", "sent"),
            ("email", "staff_assigned", "staff", "failed"),
            ("webhook", "request.status_changed", "subscriber", "sent"),
        ]
        assert (shown[0]["attempts"], shown[0]["reason"]) == (3, "http_202")
        assert shown[1]["reason"] == "smtp_550"
        assert all(n["at"] for n in shown)

        assert private.status_code == 200, private.text
        assert [(n["kind"], n["outcome"]) for n in private.json()["notifications"]] == [
            ("received", "sent")
        ]

        view = public.json()
        assert "notifications" not in view
        assert [e["status"] for e in view["timeline"]] == ["submitted", "routed", "assigned"]
        assert view["status"] == "assigned"
        for word in ("smtp_550", "staff_assigned", "http_202", "sms", "webhook"):
            assert word not in public.text, word

        stored = await system.intake_db["notifications"].find({}).to_list()
        assert len(stored) == 3
        for text in (internal.text, private.text, json.dumps(stored, default=str)):
            assert STAFF_RECIPIENT not in text
            assert "sub_canary" not in text


async def test_the_internal_view_needs_the_service_token_and_a_known_request(
    infra: Infra,
) -> None:
    overrides = {**NO_STATUS_CACHE, "internal_api_token": SERVICE_TOKEN}
    async with running_system(infra, with_routing=False, intake_overrides=overrides) as system:
        code, _ = await submit_routed(system, infra.kafka_bootstrap_servers)
        path = f"/internal/v1/requests/{code}/notifications"
        assert (await system.intake.get(path)).status_code == 401
        unknown = await system.intake.get(
            "/internal/v1/requests/AAAA-AAAA-AAAA/notifications",
            headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
        )
        assert unknown.status_code == 404
        known = await system.intake.get(path, headers={"Authorization": f"Bearer {SERVICE_TOKEN}"})
        assert known.json() == {"request_id": code, "notifications": []}
