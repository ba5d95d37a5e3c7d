"""Scale-out proven locally (issue 9): two replicas of every consumer on a topic of six
partitions (the default is three), one replica of each killed with SIGKILL mid-load.
Every request is routed, timed and notified exactly once, in the sense the README's
guarantees give "once": one case and one routed event id per request (Kafka may hold a
record twice under its one id), one clock whose due times and timers are those of one
history, and one e-mail of each kind per citizen by Message-ID (the SMTP window named in
the README aside) with one notification.sent id per delivery.

Processes, each on its own port: the intake API and the routing API with their consumers
off (EMBEDDED_WORKER=false), two `nigrani_intake.worker`, two `nigrani_routing.worker`,
two SLA services and two notify services (both run their consumer inside the API). The
kill lands when some requests are routed and more are still being submitted, so the
killed replicas' partitions carry work that only a survivor can finish after the group
rebalances (the broker notices a dead member after the consumer's 10 s session timeout).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter, defaultdict
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from nigrani_notify.messages import delivery_key
from nigrani_shared.events import derived_event_id
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from tests.support.infra import Infra
from tests.support.kafka import (
    committed_offsets,
    events_on_topic,
    partitions_held,
)
from tests.support.notify import INTERNAL_TOKEN, notify_environment, recipients_file
from tests.support.processes import ServiceProcess, service_environment, service_process
from tests.support.requests import routed_view, water_request
from tests.support.sms_gateway import SmsGateway
from tests.support.smtp_sink import SmtpSink
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

Document = dict[str, Any]

PARTITIONS = 6
REQUESTS = 80
CITIZENS = 8
PAUSE_SECONDS = 0.1  # between one citizen's submissions: the load lasts a few seconds
KILL_AFTER = 30  # cases stored when one replica of each consumer is killed
# Parallel sends per channel and notify replica. At most the e-mails a killed notify has in
# flight reach the sink twice, under one Message-ID (README, "What can be sent twice").
SENDS_IN_FLIGHT = 4
GROUPS = ("intake", "routing", "sla", "notify")
# Only an e-mail address: notify owes each citizen one e-mail per message, no SMS.
CONTACT = {"name": "Ayesha Siddiqui", "email": "ayesha.siddiqui@example.pk", "language": "en"}
# The packaged water.no_supply policy: a warning and a breach of each target, and the
# ladder's three levels.
TIMER_POINTS = {
    ("warning", "first_response", 0),
    ("breached", "first_response", 0),
    ("warning", "resolution", 0),
    ("breached", "resolution", 0),
    ("escalated", "resolution", 1),
    ("escalated", "resolution", 2),
    ("escalated", "resolution", 3),
}
SUBMITTED = "org.nigrani.request.submitted."
ROUTED = "org.nigrani.request.routed."
DEADLINE_SET = "org.nigrani.sla.deadline_set.v1"
SENT = "org.nigrani.notification.sent.v1"
FAILED = "org.nigrani.notification.failed.v1"


def _environment(infra: Infra, prefix: str) -> dict[str, str]:
    return {
        **service_environment(infra, prefix),
        "SECRET_KEY": f"scale-out-secret-{prefix}",
        "KAFKA_TOPIC_PARTITIONS": str(PARTITIONS),
        "KAFKA_REPLICATION_FACTOR": "1",
        "KAFKA_MIN_INSYNC_REPLICAS": "1",
        "INTERNAL_API_TOKEN": INTERNAL_TOKEN,
        "SLA_DATABASE": f"{prefix}_sla",
        "RATE_LIMIT_SUBMIT": "0",
        "RATE_LIMIT_LOOKUP": "0",
    }


def _replicas(
    env: dict[str, str], notify_env: dict[str, str], log_dir: Path
) -> dict[str, list[AbstractAsyncContextManager[ServiceProcess]]]:
    """Two processes per consumer group. Workers serve no readiness of their own yet:
    the caller waits until the group's coordinator has given each its partitions."""

    def worker(service: str, n: int) -> AbstractAsyncContextManager[ServiceProcess]:
        module = f"nigrani_{service}.worker"
        name = f"{service}-worker-{n}"
        return service_process(service, env, log_dir, ready_path=None, name=name, module=module)

    return {
        "intake": [worker("intake", n) for n in (1, 2)],
        "routing": [worker("routing", n) for n in (1, 2)],
        "sla": [
            service_process("sla", env, log_dir, ready_path="/readyz", name=f"sla-{n}")
            for n in (1, 2)
        ],
        "notify": [
            service_process("notify", notify_env, log_dir, ready_path="/readyz", name=f"notify-{n}")
            for n in (1, 2)
        ],
    }


async def _until_groups_hold(
    infra: Infra,
    topic: str,
    processes: list[ServiceProcess],
    members: int,
    what: str,
    within: float = 90,
) -> None:
    """Waits until every group has `members` members sharing all of the topic's
    partitions (which also proves the topic has PARTITIONS of them)."""

    async def held() -> bool:
        for process in processes:
            if process.process.returncode is not None:
                raise AssertionError(f"{process.name} exited; its log is {process.log_path}")
        for group in GROUPS:
            shares = await partitions_held(infra.kafka_bootstrap_servers, group, topic)
            every = frozenset().union(*shares)
            if len(shares) != members or every != frozenset(range(PARTITIONS)):
                return False
        return True

    await eventually(held, within=within, interval=0.5, what=what)


async def _until_notify_anchored(bootstrap: str, topic: str) -> None:
    """Waits until notify has committed a place on every partition. Notify starts a
    partition it has never committed at its end ("latest"), so its consumers commit where
    they started as soon as they are given one (the runtime's anchoring): had they not,
    the killed replica's successor would start after the events the dead one never
    applied, and this test would miss e-mails."""

    async def committed_everywhere() -> bool:
        committed = await committed_offsets(bootstrap, topic, "notify")
        return len([o for o in committed.values() if o >= 0]) == PARTITIONS

    await eventually(committed_everywhere, within=60, interval=0.5, what="notify's anchors")


async def test_two_replicas_of_each_consumer_one_killed_mid_load_act_on_every_request_once(
    infra: Infra, tmp_path: Path
) -> None:
    started = time.monotonic()
    prefix = f"t{uuid.uuid4().hex[:10]}"
    env = _environment(infra, prefix)
    topic = f"{prefix}.requests.lifecycle"
    bootstrap = infra.kafka_bootstrap_servers
    async with AsyncExitStack() as stack:
        smtp = await stack.enter_async_context(SmtpSink())
        sms = await stack.enter_async_context(SmsGateway())
        intake = await stack.enter_async_context(
            service_process(
                "intake", {**env, "EMBEDDED_WORKER": "false"}, tmp_path, ready_path="/readyz"
            )
        )
        notify_env = {
            **env,
            **notify_environment(
                database=f"{prefix}_notify",
                intake_url=intake.url,
                smtp_port=smtp.port,
                sms_url=sms.url,
                recipients=recipients_file(tmp_path),
            ),
            "CHANNEL_CONCURRENCY": str(SENDS_IN_FLIGHT),
        }
        # The consumers create the topic (KAFKA_TOPIC_PARTITIONS) before anything reads it.
        replicas: dict[str, list[ServiceProcess]] = {}
        for group, starting in _replicas(env, notify_env, tmp_path).items():
            replicas[group] = list(
                await asyncio.gather(*(stack.enter_async_context(s) for s in starting))
            )
        every_process = [p for group in GROUPS for p in replicas[group]]
        await _until_groups_hold(infra, topic, every_process, 2, "two replicas in every group")
        await stack.enter_async_context(
            service_process(
                "routing", {**env, "EMBEDDED_WORKER": "false"}, tmp_path, ready_path="/readyz"
            )
        )
        ready_after = time.monotonic() - started

        await _until_notify_anchored(bootstrap, topic)
        mongo: AsyncMongoClient[Document] = AsyncMongoClient(infra.mongodb_uri)
        stack.push_async_callback(mongo.close)
        client = await stack.enter_async_context(httpx.AsyncClient(base_url=intake.url))
        codes: list[str] = []

        async def citizen(count: int) -> None:
            for _ in range(count):
                body = water_request(contact=dict(CONTACT))
                response = await client.post("/v1/requests", json=body)
                assert response.status_code == 201, response.text
                codes.append(response.json()["tracking_code"])
                await asyncio.sleep(PAUSE_SECONDS)

        cases = mongo[f"{prefix}_routing"]["cases"]
        load = [asyncio.create_task(citizen(REQUESTS // CITIZENS)) for _ in range(CITIZENS)]

        async def mid_load() -> bool:
            return await cases.count_documents({}) >= KILL_AFTER

        await eventually(mid_load, within=90, interval=0.2, what="load under way")
        await asyncio.gather(*(replicas[group][1].kill() for group in GROUPS))
        routed_at_kill = await cases.count_documents({})
        submitted_at_kill, mails_at_kill = len(codes), len(smtp.mails)
        await asyncio.gather(*load)
        assert routed_at_kill < REQUESTS, "the kill came after every request was routed"

        await _until_settled(mongo, prefix, client, codes, smtp, bootstrap, topic)
        survivors = [replicas[group][0] for group in GROUPS]
        await _until_groups_hold(
            infra, topic, survivors, 1, "the survivors holding every partition"
        )
        events = await events_on_topic(bootstrap, topic)
        views = mongo[f"{prefix}_sla"], mongo[f"{prefix}_intake"]
        generations = await _assert_timed_once(*views, codes, events)

    _assert_routed_once(codes, events)
    mail_repeats = _assert_notified_once(codes, events, smtp, sms)
    repeats = {kind: _repeated_records(events, kind) for kind in (ROUTED, DEADLINE_SET, SENT)}
    print(
        f"scale-out: ready after {ready_after:.0f}s, whole test {time.monotonic() - started:.0f}s;"
        f" at the kill {submitted_at_kill} submitted, {routed_at_kill} routed, {mails_at_kill}"
        f" mails; generations {dict(generations)}; records repeated under one id {repeats};"
        f" mails repeated under one Message-ID {mail_repeats}"
    )


async def _until_settled(
    mongo: AsyncMongoClient[Document],
    prefix: str,
    client: httpx.AsyncClient,
    codes: list[str],
    smtp: SmtpSink,
    bootstrap: str,
    topic: str,
) -> None:
    """Every consumer group's effect for every request, waited for in the order they
    happen: the case (routing), the public view (intake), the clock (SLA), the e-mails
    and their announcements (notify)."""
    wanted = set(codes)

    async def all_cases() -> bool:
        found = mongo[f"{prefix}_routing"]["cases"].find({}, {"_id": 1})
        return wanted <= {d["_id"] async for d in found}

    await eventually(all_cases, within=120, interval=1, what="a case for every request")

    async def all_routed() -> bool:
        views = await asyncio.gather(*(routed_view(client, code) for code in codes))
        return all(views)

    await eventually(all_routed, within=90, interval=1, what="every public view routed")

    async def all_timed() -> bool:
        clocks = mongo[f"{prefix}_sla"]["clocks"].find({"case_version": {"$gte": 1}}, {"_id": 1})
        return wanted <= {d["_id"] async for d in clocks}

    await eventually(all_timed, within=90, interval=1, what="every clock routed")

    async def all_mailed() -> bool:
        return len({m.message["Message-ID"] for m in smtp.mails}) >= 2 * len(codes)

    await eventually(all_mailed, within=120, interval=1, what="every e-mail")

    async def all_announced() -> bool:
        events = await events_on_topic(bootstrap, topic)
        return len({e["id"] for e in events if e["type"] == SENT}) >= 2 * len(codes)

    await eventually(all_announced, within=60, interval=1, what="every notification.sent")


def _repeated_records(events: list[dict[str, Any]], type_prefix: str) -> int:
    ids = [e["id"] for e in events if e["type"].startswith(type_prefix)]
    return len(ids) - len(set(ids))


def _by_request(events: list[dict[str, Any]], prefix: str) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        if event["type"].startswith(prefix):
            found[event["subject"]].append(event)
    return found


def _one_event(copies: list[dict[str, Any]], what: str) -> dict[str, Any]:
    """The event behind one or more records: one id, and every copy the same event. The
    CloudEvents `time` (when the copy was built) is left out: a re-announcement after a
    redelivery is built anew, its data identical."""
    assert len({c["id"] for c in copies}) == 1, f"{what}: {len(copies)} different events"
    for copy in copies[1:]:
        differ = {k for k in copy.keys() | copies[0].keys() if copy.get(k) != copies[0].get(k)}
        assert differ <= {"time"}, f"{what}: copies differ in {differ}"
    return copies[0]


def _assert_routed_once(codes: list[str], events: list[dict[str, Any]]) -> None:
    submitted = _by_request(events, SUBMITTED)
    routed = _by_request(events, ROUTED)
    assert set(routed) == set(submitted) == set(codes)
    for code in codes:
        _one_event(submitted[code], f"{code} submitted")
        event = _one_event(routed[code], f"{code} routed")
        assert event["id"] == derived_event_id(code, "routed")


async def _assert_timed_once(
    sla: AsyncDatabase[Document],
    intake: AsyncDatabase[Document],
    codes: list[str],
    events: list[dict[str, Any]],
) -> Counter[int]:
    """One clock per request, all of the same history (the same generation: a replayed
    event that made a second history would show as one more); each generation announced
    under its one id and shown by intake; the current generation's timers planned once
    per point (a redelivery may write a point's timer again: it still fires once)."""
    clocks = {d["_id"]: d async for d in sla["clocks"].find({})}
    assert set(clocks) == set(codes)
    generations = Counter(int(clock["generation"]) for clock in clocks.values())
    assert len(generations) == 1, generations
    announced = _by_request(events, DEADLINE_SET)
    deadlines = {d["_id"] async for d in intake["deadlines"].find({}, {"_id": 1})}
    points: dict[str, set[tuple[str, str, int]]] = defaultdict(set)
    async for timer in sla["timers"].find({"payload": {"$exists": True}}):
        payload = timer["payload"]
        if payload["generation"] == clocks[payload["request_id"]]["generation"]:
            points[payload["request_id"]].add(
                (payload["kind"], payload["target"], payload["level"])
            )
    for code, clock in clocks.items():
        generation = int(clock["generation"])
        expected = {
            derived_event_id(code, "sla.deadline_set", str(g)) for g in range(1, generation + 1)
        }
        by_id: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for event in announced[code]:
            by_id[event["id"]].append(event)
        assert set(by_id) == expected, code
        for copies in by_id.values():
            _one_event(copies, f"{code} deadline_set")
        assert {f"{code}:{g}" for g in range(1, generation + 1)} <= deadlines, code
        assert points[code] == TIMER_POINTS, code
    return generations


def _assert_notified_once(
    codes: list[str], events: list[dict[str, Any]], smtp: SmtpSink, sms: SmsGateway
) -> int:
    """Each citizen's received and routed e-mail: one delivery each, announced as sent
    under one id, at the sink under its delivery key's Message-ID; returns how many raw
    repeats the sink took (same Message-ID: SMTP has no idempotency key)."""
    submitted = _by_request(events, SUBMITTED)
    expected = {
        delivery_key(event_id, "email", "citizen"): (code, kind)
        for code in codes
        for kind, event_id in (
            ("received", submitted[code][0]["id"]),
            ("routed", derived_event_id(code, "routed")),
        )
    }
    assert not [e for e in events if e["type"] == FAILED]
    sent = [e for e in events if e["type"] == SENT]
    ids_per_delivery: dict[str, set[str]] = defaultdict(set)
    for event in sent:
        ids_per_delivery[event["data"]["delivery_id"]].add(event["id"])
        assert (event["data"]["request_id"], event["data"]["kind"]) == expected.get(
            event["data"]["delivery_id"]
        )
    assert set(ids_per_delivery) == set(expected)
    assert all(len(ids) == 1 for ids in ids_per_delivery.values())
    message_ids = Counter(
        str(m.message["Message-ID"]).strip("<>").split("@")[0] for m in smtp.mails
    )
    assert set(message_ids) == set(expected)
    repeats = sum(count - 1 for count in message_ids.values())
    assert repeats <= SENDS_IN_FLIGHT
    assert sms.messages == []  # the citizens gave no phone
    return repeats
