"""Concurrent writers of one request on the real store: the contact erasure, the timeline
consumer and the citizen's actions never lose each other's effects.

FerretDB applies an update by reading the whole document and writing it back, so two
concurrent updates of one document can lose one. Each test here puts such writers side by
side and checks, once everything has settled, that every effect is still there: an erased
phone number never comes back, every timeline entry and every message reference stays.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from nigrani_intake.followup.documents import action_ids, build_action
from nigrani_shared.clock import utc_now
from nigrani_shared.events import CitizenActed, EventEnvelope, encode_event
from nigrani_shared.kafka.producer import event_headers

from tests.support.citizen import NO_STATUS_CACHE, act, apply, citizen, submit_routed
from tests.support.events import case_changed
from tests.support.infra import Infra
from tests.support.kafka import events_on_topic
from tests.support.requests import CONTACT
from tests.support.system import System, running_system
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

VALVE = "The valve is behind the mosque"


async def _burst(bootstrap: str, topic: str, envelopes: list[EventEnvelope]) -> None:
    """Puts the events on the topic as fast as one producer can (each code's in order)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        sent = [
            await producer.send(
                topic,
                value=encode_event(e),
                key=e.subject.encode(),
                headers=event_headers(e),
            )
            for e in envelopes
        ]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


def _notes(code: str, versions: range, state: str = "in_progress") -> list[EventEnvelope]:
    return [
        case_changed(code, version=v, to_state=state, from_state=state, public_note=f"note {v}")
        for v in versions
    ]


async def _timeline(system: System, code: str) -> list[dict[str, Any]]:
    response = await system.intake.get(f"/v1/requests/{code}")
    assert response.status_code == 200, response.text
    timeline: list[dict[str, Any]] = response.json()["timeline"]
    return timeline


async def _settled(system: System, code: str, entries: int) -> list[dict[str, Any]]:
    async def complete() -> list[dict[str, Any]] | None:
        timeline = await _timeline(system, code)
        return timeline if len(timeline) >= entries else None

    try:
        return await eventually(complete, within=60, what=f"{entries} timeline entries")
    except AssertionError:
        kept = len(await _timeline(system, code))
        raise AssertionError(f"only {kept} of {entries} timeline entries kept") from None


async def test_an_erasure_racing_a_burst_of_timeline_events_never_comes_back(
    infra: Infra,
) -> None:
    """Twelve requests each get a burst of staff notes; while the consumer applies them,
    each citizen erases their contact details (one erasure each: a second would hide an
    undone first). Once everything settled, no contact detail is back."""
    bootstrap = infra.kafka_bootstrap_servers
    events_each = 50
    async with running_system(
        infra, with_routing=False, intake_overrides=NO_STATUS_CACHE
    ) as system:
        requests = [await submit_routed(system, bootstrap) for _ in range(12)]
        burst = [
            e
            for v in range(2, 2 + events_each)
            for code, _ in requests
            for e in _notes(code, range(v, v + 1))
        ]
        sending = asyncio.create_task(_burst(bootstrap, system.topic, burst))
        last_code = requests[-1][0]

        async def under_way() -> bool:
            return len(await _timeline(system, last_code)) >= 4

        await eventually(under_way, within=60, interval=0.005, what="the burst under way")
        answers = await asyncio.gather(
            *(
                system.intake.delete(f"/v1/requests/{code}/contact", headers=citizen(token))
                for code, token in requests
            )
        )
        assert [a.status_code for a in answers] == [200] * len(requests)
        await sending
        for code, token in requests:
            await _settled(system, code, 2 + events_each)
            private = await system.intake.get(
                f"/v1/requests/{code}/private", headers=citizen(token)
            )
            assert private.json()["contact"] is None, code
            assert private.json()["contact_erased_at"] is not None, code
            assert CONTACT["phone"] not in private.text, code
            internal = await system.intake_db["requests"].find_one({"_id": code})
            assert internal is not None
            assert internal["contact"] is None, code


async def test_concurrent_citizen_actions_each_keep_their_message(infra: Infra) -> None:
    bootstrap = infra.kafka_bootstrap_servers
    actions = 8
    async with running_system(
        infra, with_routing=False, intake_overrides=NO_STATUS_CACHE
    ) as system:
        code, token = await submit_routed(system, bootstrap)
        await apply(system, bootstrap, [case_changed(code, version=2, to_state="awaiting_citizen")])
        answers = await asyncio.gather(
            *(
                act(system.intake, code, "information", token, text=f"detail number {i}")
                for i in range(actions)
            )
        )
        assert all(a.status_code == 202 for a in answers), [a.text for a in answers]
        sent = {a.json()["message_id"] for a in answers}
        private = await system.intake.get(f"/v1/requests/{code}/private", headers=citizen(token))
        kept = {m["message_id"] for m in private.json()["messages"]}
        assert kept == sent, f"{len(kept)} of {len(sent)} messages kept"


async def test_a_burst_of_timeline_events_beside_citizen_actions_keeps_every_entry(
    infra: Infra,
) -> None:
    """The consumer writes entries while the citizen's actions are stored: neither writer
    loses the other's effect."""
    bootstrap = infra.kafka_bootstrap_servers
    events = 25
    async with running_system(
        infra, with_routing=False, intake_overrides=NO_STATUS_CACHE
    ) as system:
        code, token = await submit_routed(system, bootstrap)
        await apply(system, bootstrap, [case_changed(code, version=2, to_state="awaiting_citizen")])
        notes = _notes(code, range(3, 3 + events), state="awaiting_citizen")
        sending = asyncio.create_task(_burst(bootstrap, system.topic, notes))
        answers = []
        for i in range(events):
            answers.append(await act(system.intake, code, "information", token, text=f"detail {i}"))
        await sending
        timeline = await _settled(system, code, 3 + events)
        assert [e["detail"] for e in timeline[3:]] == [f"note {v}" for v in range(3, 3 + events)]
        assert all(a.status_code == 202 for a in answers), [a.text for a in answers]
        private = await system.intake.get(f"/v1/requests/{code}/private", headers=citizen(token))
        assert len(private.json()["messages"]) == events


async def test_a_redelivered_or_reannounced_event_is_one_entry(infra: Infra) -> None:
    bootstrap = infra.kafka_bootstrap_servers
    async with running_system(
        infra, with_routing=False, intake_overrides=NO_STATUS_CACHE
    ) as system:
        code, _ = await submit_routed(system, bootstrap)
        first = case_changed(code, version=2, to_state="assigned", public_note="A crew is on it")
        again = first.model_copy(update={"id": str(uuid.uuid4())})  # same change, new id
        later = case_changed(code, version=3, to_state="in_progress", from_state="assigned")
        await _burst(bootstrap, system.topic, [first, first, again, first, later, later])
        timeline = await _settled(system, code, 4)
        assert [e["status"] for e in timeline] == ["submitted", "routed", "assigned", "in_progress"]
        await _burst(bootstrap, system.topic, [first, later])
        await apply(system, bootstrap, [case_changed(code, version=4, to_state="resolved")])
        assert [e["status"] for e in await _timeline(system, code)] == [
            "submitted",
            "routed",
            "assigned",
            "in_progress",
            "resolved",
        ]


async def test_a_retry_after_a_crash_answers_the_first_outcome_though_the_case_moved(
    infra: Infra,
) -> None:
    """The first try wrote its outbox entry and died; the case then left
    `awaiting_citizen`. The entry is still published, so the retry (same key) answers the
    action's acceptance, not 409, and the message is the citizen's."""
    bootstrap = infra.kafka_bootstrap_servers
    overrides = {**NO_STATUS_CACHE, "relay_foreign_grace_seconds": 3.0}
    async with running_system(infra, with_routing=False, intake_overrides=overrides) as system:
        code, token = await submit_routed(system, bootstrap)
        await apply(system, bootstrap, [case_changed(code, version=2, to_state="awaiting_citizen")])
        secret = system.intake_settings.secret_key.get_secret_value().encode()
        key = str(uuid.uuid4())
        ids = action_ids(secret, code, key)
        documents = build_action(
            tracking_code=code,
            ids=ids,
            action="add_information",
            text=VALVE,
            acted_at=utc_now() - timedelta(milliseconds=1),
            topic=system.topic,
            attempt="crashed-attempt",
        )
        await system.intake_db["outbox"].insert_one(documents.outbox_entry)
        await apply(
            system,
            bootstrap,
            [case_changed(code, version=3, to_state="in_progress", from_state="awaiting_citizen")],
        )

        retry = await act(
            system.intake,
            code,
            "information",
            token,
            key=key,
            text=VALVE,
        )
        assert retry.status_code == 202, retry.text
        assert retry.headers["Idempotent-Replayed"] == "true"
        assert retry.json()["message_id"] == ids.message_id

        async def published() -> list[dict[str, Any]] | None:
            events = await events_on_topic(bootstrap, system.topic)
            acted = [e for e in events if e["type"] == CitizenActed.event_type]
            return acted or None

        acted = await eventually(published, within=60, what="the first entry published")
        assert [e["id"] for e in acted] == [ids.event_id]
        private = await system.intake.get(f"/v1/requests/{code}/private", headers=citizen(token))
        assert [m["message_id"] for m in private.json()["messages"]] == [ids.message_id]
