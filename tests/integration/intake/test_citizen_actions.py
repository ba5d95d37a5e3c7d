"""The citizen acts on their request with code and token: each action is one CitizenActed
on the topic (never its text), a retry with the same key is the same action, an action
survives Kafka being down, and a wrong token is answered exactly as an unknown code."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from typing import Any

import pytest
from nigrani_intake.followup.documents import action_ids, build_action
from nigrani_intake.submissions.tracking_code import encode_tracking_code
from nigrani_shared.clock import utc_now
from nigrani_shared.events import CitizenActed

from tests.support.citizen import NO_STATUS_CACHE, act, apply, citizen, submit_routed
from tests.support.events import case_changed
from tests.support.infra import Infra
from tests.support.kafka import events_on_topic
from tests.support.system import System, running_system
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

SERVICE_TOKEN = "internal-service-token-for-tests-0123456789"
INFORMATION = "The leak is behind house 12, ask for Bilal at 0300-7654321"
DISPUTE = "Nothing was fixed, the street is still dry"


async def _acted(bootstrap: str, system: System, code: str) -> list[dict[str, Any]]:
    events = await events_on_topic(bootstrap, system.topic)
    return [e for e in events if e["type"] == CitizenActed.event_type and e["subject"] == code]


async def test_each_action_is_one_event_without_its_text_and_a_retry_adds_none(
    infra: Infra,
) -> None:
    bootstrap = infra.kafka_bootstrap_servers
    overrides = {**NO_STATUS_CACHE, "internal_api_token": SERVICE_TOKEN}
    async with running_system(infra, with_routing=False, intake_overrides=overrides) as system:
        code, token = await submit_routed(system, bootstrap)
        await apply(system, bootstrap, [case_changed(code, version=2, to_state="awaiting_citizen")])

        key = str(uuid.uuid4())
        first = await act(system.intake, code, "information", token, key=key, text=INFORMATION)
        assert first.status_code == 202, first.text
        assert first.json()["status"] == "accepted"
        message_id = first.json()["message_id"]
        retry = await act(system.intake, code, "information", token, key=key, text=INFORMATION)
        assert retry.status_code == 202
        assert retry.headers["Idempotent-Replayed"] == "true"
        assert retry.json() == first.json()
        other = await act(system.intake, code, "information", token, key=key, text="different")
        assert other.status_code == 422

        await apply(system, bootstrap, [case_changed(code, version=3, to_state="resolved")])
        for path, text in (("confirmation", None), ("dispute", DISPUTE), ("reopen", DISPUTE)):
            answer = await act(system.intake, code, path, token, key=f"{path}-{key}", text=text)
            assert answer.status_code == 202, answer.text
            again = await act(system.intake, code, path, token, key=f"{path}-{key}", text=text)
            assert again.headers["Idempotent-Replayed"] == "true"

        async def all_four() -> list[dict[str, Any]] | None:
            acted = await _acted(bootstrap, system, code)
            return acted if len(acted) >= 4 else None

        await eventually(all_four, within=60, what="four citizen_acted events")
        acted = await _acted(bootstrap, system, code)  # read again: nothing more came
        assert sorted(e["data"]["action"] for e in acted) == [
            "add_information",
            "confirm",
            "dispute",
            "reopen",
        ]
        assert len({e["id"] for e in acted}) == 4
        raw = str(acted)
        assert "Bilal" not in raw
        assert "street is still dry" not in raw
        information = next(e for e in acted if e["data"]["action"] == "add_information")
        assert information["data"]["message_id"] == message_id

        internal = await system.intake.get(
            f"/internal/v1/requests/{code}/messages/{message_id}",
            headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
        )
        assert internal.status_code == 200
        assert internal.json()["text"] == INFORMATION
        unauthorised = await system.intake.get(
            f"/internal/v1/requests/{code}/messages/{message_id}"
        )
        assert unauthorised.status_code == 401

        private = await system.intake.get(f"/v1/requests/{code}/private", headers=citizen(token))
        assert private.headers["Cache-Control"] == "no-store"
        mine = private.json()
        assert [m["action"] for m in mine["messages"]] == [
            "add_information",
            "confirm",
            "dispute",
            "reopen",
        ]
        assert mine["messages"][0]["text"] == INFORMATION
        assert mine["contact"]["phone"] == "+923001234567"
        assert mine["location"]["address"] == "Street 4, Gulberg III"
        assert [o["action"] for o in mine["open_actions"]] == ["confirm", "dispute", "reopen"]
        public = await system.intake.get(f"/v1/requests/{code}")
        assert "Bilal" not in public.text


async def test_an_action_that_is_not_open_is_refused_with_what_is(infra: Infra) -> None:
    bootstrap = infra.kafka_bootstrap_servers
    async with running_system(
        infra, with_routing=False, intake_overrides=NO_STATUS_CACHE
    ) as system:
        code, token = await submit_routed(system, bootstrap)
        refused = await act(system.intake, code, "confirmation", token)
        assert refused.status_code == 409
        assert refused.json()["status"] == "routed"
        assert refused.json()["open_actions"] == []

        long_ago = utc_now() - timedelta(days=20)  # past 14 days to confirm, within 30 to reopen
        await apply(
            system,
            bootstrap,
            [case_changed(code, version=2, to_state="resolved", occurred_at=long_ago)],
        )
        late = await act(system.intake, code, "dispute", token, text=DISPUTE)
        assert late.status_code == 409
        assert [o["action"] for o in late.json()["open_actions"]] == ["reopen"]
        assert (await act(system.intake, code, "reopen", token, text=DISPUTE)).status_code == 202
        assert await system.intake_db["messages"].count_documents({}) == 1


async def test_a_wrong_token_is_answered_exactly_as_an_unknown_code(infra: Infra) -> None:
    async with running_system(infra, with_routing=False) as system:
        code, token = await submit_routed(system, infra.kafka_bootstrap_servers)
        unknown_code = encode_tracking_code(secrets.token_bytes(32))  # valid, never issued
        fixed = {"X-Request-ID": "fixed-request-id"}
        for method, path, body in (
            ("GET", "private", None),
            ("POST", "confirmation", {}),
            ("POST", "information", {"text": INFORMATION}),
            ("DELETE", "contact", None),
        ):
            wrong = await system.intake.request(
                method,
                f"/v1/requests/{code}/{path}",
                json=body,
                headers={**fixed, "X-Citizen-Token": "A" * 43},
            )
            unknown = await system.intake.request(
                method,
                f"/v1/requests/{unknown_code}/{path}",
                json=body,
                headers={**fixed, "X-Citizen-Token": token},
            )
            assert wrong.status_code == unknown.status_code == 404, path
            assert wrong.content == unknown.content, path
            assert wrong.headers == unknown.headers, path
        assert await system.intake_db["messages"].count_documents({}) == 0


async def test_an_action_taken_while_kafka_is_down_is_published_once_it_is_back(
    infra: Infra,
) -> None:
    bootstrap = infra.kafka_bootstrap_servers
    async with running_system(
        infra, with_routing=False, intake_overrides=NO_STATUS_CACHE
    ) as system:
        code, token = await submit_routed(system, bootstrap)
        await apply(system, bootstrap, [case_changed(code, version=2, to_state="awaiting_citizen")])

        async def outbox_empty() -> bool:
            return await system.intake_db["outbox"].count_documents({}) == 0

        await eventually(outbox_empty, within=30, what="the submission published")
        await infra.stop_kafka()
        try:
            key = str(uuid.uuid4())
            for _ in range(2):  # the citizen's app retries: still one action
                answer = await act(system.intake, code, "information", token, key=key, text="x")
                assert answer.status_code == 202, answer.text
            assert await system.intake_db["outbox"].count_documents({}) == 1
        finally:
            await infra.start_kafka()

        async def published() -> list[dict[str, Any]] | None:
            acted = await _acted(bootstrap, system, code)
            return acted or None

        await eventually(published, within=120, what="citizen_acted published after the outage")
        assert len(await _acted(bootstrap, system, code)) == 1
        await eventually(outbox_empty, within=30, what="outbox cleared")


async def test_an_action_whose_endpoint_died_after_the_entry_is_completed_by_the_relay(
    infra: Infra,
) -> None:
    """Only the outbox entry was written: the relay derives the message record and its
    reference on the request, then publishes; the citizen's retry is a replay."""
    bootstrap = infra.kafka_bootstrap_servers
    async with running_system(
        infra, with_routing=False, intake_overrides=NO_STATUS_CACHE
    ) as system:
        code, token = await submit_routed(system, bootstrap)
        await apply(system, bootstrap, [case_changed(code, version=2, to_state="awaiting_citizen")])
        secret = system.intake_settings.secret_key.get_secret_value().encode()
        key = str(uuid.uuid4())
        ids = action_ids(secret, code, key)
        documents = build_action(
            tracking_code=code,
            ids=ids,
            action="add_information",
            text=INFORMATION,
            acted_at=utc_now() - timedelta(minutes=1),  # older than the foreign grace
            topic=system.topic,
            attempt="crashed-attempt",
        )
        await system.intake_db["outbox"].insert_one(documents.outbox_entry)

        async def published() -> list[dict[str, Any]] | None:
            acted = await _acted(bootstrap, system, code)
            return acted or None

        await eventually(published, within=60, what="the orphaned action published")
        reference = await system.intake_db["message_refs"].find_one({"_id": f"{code}:0"})
        assert reference is not None
        assert reference["message_id"] == ids.message_id

        retry = await act(system.intake, code, "information", token, key=key, text=INFORMATION)
        assert retry.status_code == 202
        assert retry.headers["Idempotent-Replayed"] == "true"
        assert retry.json()["message_id"] == ids.message_id
        assert len(await _acted(bootstrap, system, code)) == 1
