"""Store round trips per lifecycle event on the SLA consumer's side: the real ClockKeeper
in this process, against the real store and broker, its client counted by a pymongo
command listener (so only its own commands count, not the store's other clients).

N synthetic requests go through one lifecycle each: submitted, routed, claim,
request_information (paused), add_information (resumed), resolve (stopped). Each step is
one wave over all N requests (a few at a time, as a consumer's partitions would), so the
commands of a wave divided by N are that event type's round trips. The packaged policies
and calendars apply, so the timers planned are the real ones (seven per running clock,
five once the first response is made) and fall due weeks ahead.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from nigrani_shared.clock import utc_now
from nigrani_shared.events import Actor, CaseChanged, RequestRouted, RequestSubmitted
from nigrani_shared.kafka.producer_handle import ProducerHandle
from nigrani_shared.store.client import Document
from nigrani_shared.timer_wheel import TimerWheel
from nigrani_sla.calendar import DEFAULT_CALENDARS_PATH, DEFAULT_CLOSURES_PATH
from nigrani_sla.calendar.loader import load_calendars
from nigrani_sla.clock.transitions import Rules
from nigrani_sla.composition import WHEEL
from nigrani_sla.keeper import ClockKeeper
from nigrani_sla.outbox import SlaOutbox
from nigrani_sla.policies import DEFAULT_POLICIES_PATH
from nigrani_sla.policies.loader import load_policies
from nigrani_sla.repository import TIMERS, SlaRepository
from pymongo import AsyncMongoClient

from bench.store_ops import CommandCounter

DEPARTMENT = "WASA-LHR"
OFFICER = Actor(kind="staff", staff_id="officer-1", role="officer", department=DEPARTMENT)
CITIZEN = Actor(kind="citizen")
# (action, from, to, actor) of the case changes, versions 2 to 5.
CHANGES = (
    ("claim", "routed", "assigned", OFFICER),
    ("request_information", "assigned", "awaiting_citizen", OFFICER),
    ("add_information", "awaiting_citizen", "in_progress", CITIZEN),
    ("resolve", "in_progress", "resolved", OFFICER),
)
EVENT_TYPES = ("submitted", "routed", *(action for action, *_ in CHANGES))
# Submissions spaced as 10,000 a day arrive: a timer's minute marker is then shared by the
# few timers of that kind due in the same minute, as in service (submitting every request
# at one instant would share every marker and hide their cost).
ARRIVAL_SPACING = timedelta(days=1) / 10_000


def _rules() -> Rules:
    return Rules(
        calendars=load_calendars(DEFAULT_CALENDARS_PATH, DEFAULT_CLOSURES_PATH),
        policies=load_policies(DEFAULT_POLICIES_PATH),
    )


def _submitted(request_id: str, at: datetime) -> RequestSubmitted:
    return RequestSubmitted(
        request_id=request_id,
        category="water.no_supply",
        place=None,
        channel="web",
        sensitive=False,
        anonymous=False,
        has_contact=False,
        submitted_at=at,
    )


def _routed(request_id: str, at: datetime) -> RequestRouted:
    return RequestRouted(
        request_id=request_id,
        category="water.no_supply",
        district=None,
        department_code=DEPARTMENT,
        department_name=DEPARTMENT,
        rule_id="bench",
        rule_set_version="bench",
        areas=(),
        conflict_of_interest=False,
        priority="normal",
        routed_at=at,
    )


def _changed(request_id: str, version: int, at: datetime) -> CaseChanged:
    action, from_state, to_state, actor = CHANGES[version - 2]
    return CaseChanged(
        request_id=request_id,
        case_version=version,
        action=action,
        from_state=from_state,
        to_state=to_state,
        department_code=DEPARTMENT,
        department_name=DEPARTMENT,
        assignee="officer-1",
        priority="normal",
        transfers=0,
        reopened=0,
        actor=actor,
        reason=None,
        public_note=None,
        internal_note=None,
        message_id=None,
        occurred_at=at,
    )


async def keeper_round_trips(
    uri: str, bootstrap: str, database: str, topic: str, *, lifecycles: int, concurrency: int
) -> dict[str, Any]:
    counter = CommandCounter()
    # The service's client options (nigrani_shared.store.client), plus the listener.
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        uri, tz_aware=True, uuidRepresentation="standard", event_listeners=[counter]
    )
    producer = ProducerHandle(bootstrap, client_id="nigrani-bench-keeper")
    try:
        repository = SlaRepository(client[database])
        wheel = TimerWheel(client[database][TIMERS], WHEEL)
        outbox = SlaOutbox(repository, producer, topic, lambda envelope: None)
        keeper = ClockKeeper(repository, wheel, outbox, _rules())
        ids = [f"LIFE-{uuid.uuid4().hex[:8]}-{n:05d}" for n in range(lifecycles)]
        first = utc_now() - ARRIVAL_SPACING * lifecycles
        arrival = {rid: first + ARRIVAL_SPACING * n for n, rid in enumerate(ids)}
        await keeper.submitted(_submitted(f"WARM-{uuid.uuid4().hex[:8]}", first))  # connect
        per_type = {
            name: await _wave(counter, _step(keeper, arrival, index), ids, concurrency)
            for index, name in enumerate(EVENT_TYPES)
        }
    finally:
        await producer.close()
        await client.close()
    return {"lifecycles": lifecycles, "concurrency": concurrency, **_summary(per_type, lifecycles)}


def _step(
    keeper: ClockKeeper, arrival: dict[str, datetime], index: int
) -> Callable[[str], Awaitable[None]]:
    """The keeper's handling of the lifecycle's `index`-th event for a request."""
    if index == 0:
        return lambda rid: keeper.submitted(_submitted(rid, arrival[rid]))
    if index == 1:
        return lambda rid: keeper.routed(_routed(rid, arrival[rid] + timedelta(minutes=5)))
    # Case versions 2 to 5, an hour apart.
    return lambda rid: keeper.case_changed(
        _changed(rid, index, arrival[rid] + timedelta(hours=index))
    )


async def _wave(
    counter: CommandCounter,
    step: Callable[[str], Awaitable[None]],
    ids: list[str],
    concurrency: int,
) -> dict[str, Any]:
    limit = asyncio.Semaphore(concurrency)

    async def one(request_id: str) -> None:
        async with limit:
            await step(request_id)

    commands_before, inserted_before = counter.snapshot()
    started = time.perf_counter()
    await asyncio.gather(*(one(request_id) for request_id in ids))
    seconds = time.perf_counter() - started
    commands, inserted = counter.snapshot()
    return {
        "commands": dict(commands - commands_before),
        "timers": (inserted - inserted_before)[TIMERS],
        "seconds": seconds,
    }


def _summary(per_type: dict[str, dict[str, Any]], n: int) -> dict[str, Any]:
    events: dict[str, Any] = {}
    for name, wave in per_type.items():
        commands = wave["commands"]
        events[name] = {
            "round_trips": round(sum(commands.values()) / n, 2),
            **{command: round(count / n, 2) for command, count in sorted(commands.items())},
            "timers_planned": round(wave["timers"] / n, 2),
            "events_per_s": round(n / wave["seconds"], 1),
        }
    total_commands = sum(sum(w["commands"].values()) for w in per_type.values())
    total_timers = sum(w["timers"] for w in per_type.values())
    total_seconds = sum(w["seconds"] for w in per_type.values())
    planning_seconds = sum(w["seconds"] for w in per_type.values() if w["timers"])
    return {
        "per_event": events,
        "round_trips_per_event": round(total_commands / (n * len(per_type)), 2),
        "timers_per_s_through_keeper": round(total_timers / planning_seconds, 1),
        "events_per_s": round(n * len(per_type) / total_seconds, 1),
    }
