"""SLA escalations applied by routing's consumer handler on the real store: the level's
queue, one request.escalated per escalation however often it is delivered, quiet
refusals, the ladder worked out again after a lost race, and due times stored for a
resync."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from nigrani_routing.cases.commands import Action, Command
from nigrani_routing.cases.ledger import Loaded
from nigrani_routing.cases.model import DepartmentRef, StaffActor, State
from nigrani_routing.handlers import build_handlers
from nigrani_routing.queue.due import DueTimes
from nigrani_routing.queue.projection import QueueFilter
from nigrani_shared.auth.identity import Role
from nigrani_shared.clock import utc_now
from nigrani_shared.events import (
    CaseEscalated,
    DeadlineSet,
    EventEnvelope,
    PlaceRef,
    SlaBreached,
    SlaEscalated,
    derived_event_id,
    new_event,
)

from tests.support.case_bench import Bench, opened

pytestmark = pytest.mark.integration

MODEL_TOWN = "WASA-LHR-MODEL-TOWN"
OFFICER = StaffActor("officer-a", frozenset({Role.OFFICER}), MODEL_TOWN)
ROLES = {1: "supervisor", 2: "dept_admin", 3: "oversight"}


def escalated(code: str, level: int) -> EventEnvelope:
    """sla.escalated as the SLA service sends it: its id derived from request and level."""
    now = utc_now()
    data = SlaEscalated(
        request_id=code,
        level=level,
        role=ROLES[level],
        due_at=now - timedelta(days=2),
        escalation_due_at=now,
        department_code=MODEL_TOWN,
        category="water.no_supply",
        priority="normal",
        fired_at=now,
    )
    event_id = derived_event_id(code, "escalated", str(level))
    return new_event(data, subject=code, source="/nigrani/sla", event_id=event_id)


async def deliver(bench: Bench, envelope: EventEnvelope) -> None:
    handlers = build_handlers(bench.cases, bench.parts.due_times)
    await handlers[envelope.type](envelope)


async def claimed(bench: Bench, code: str) -> None:
    await opened(bench, code)
    await bench.cases.act(code, Command(action=Action.CLAIM), OFFICER, "claim", utc_now())


def escalations(bench: Bench) -> list[CaseEscalated]:
    return [e.data for e in bench.published if isinstance(e.data, CaseEscalated)]


async def test_an_escalation_delivered_twice_moves_the_case_once(bench: Bench) -> None:
    await claimed(bench, "ESCL-TWCE-0001")
    event = escalated("ESCL-TWCE-0001", 1)
    for _ in range(2):
        await deliver(bench, event)

    loaded = await bench.ledger.load("ESCL-TWCE-0001")
    assert loaded is not None
    case = loaded.case
    assert (case.version, case.escalation_level, case.escalated_to_role) == (3, 1, "supervisor")
    assert (case.state, case.assignee, case.department.code) == (
        State.ASSIGNED,
        "officer-a",
        MODEL_TOWN,
    )
    [published] = escalations(bench)
    assert (published.escalation_level, published.escalated_to_department) == (1, MODEL_TOWN)
    assert [e.type for e in bench.published][-1] == CaseEscalated.event_type
    assert await bench.db["case_outbox"].count_documents({}) == 0


async def test_each_level_lands_in_its_queue_and_level_3_in_the_oversight_body(
    bench: Bench,
) -> None:
    await claimed(bench, "ESCL-LADR-0001")
    for level in (1, 2, 3):
        # Each twice: the second finds its change, though the case has moved meanwhile.
        for _ in range(2):
            await deliver(bench, escalated("ESCL-LADR-0001", level))

    expected = [(1, MODEL_TOWN), (2, "WASA-LHR"), (3, "OMBUDSMAN")]
    assert [(e.escalation_level, e.escalated_to_department) for e in escalations(bench)] == expected
    loaded = await bench.ledger.load("ESCL-LADR-0001")
    assert loaded is not None
    case = loaded.case
    assert (case.department.code, case.state, case.assignee) == ("OMBUDSMAN", State.ROUTED, None)
    page = bench.parts.queue.page("OMBUDSMAN", QueueFilter(escalated_to=frozenset({"oversight"})))
    assert [c.request_id for c in page.items] == ["ESCL-LADR-0001"]


async def test_level_3_of_a_complaint_never_reaches_the_accused(bench: Bench) -> None:
    # A complaint about ACE went to the Ombudsman, whose own overseer is ACE.
    await opened(
        bench,
        "ESCL-COIN-0001",
        category="integrity.bribe_demanded",
        place=PlaceRef(district="Lahore"),
        sensitive=True,
        anonymous=True,
        concerns_department="ACE",
    )
    await deliver(bench, escalated("ESCL-COIN-0001", 3))
    [published] = escalations(bench)
    assert (published.escalated_to_department, published.escalated_to_role) == (
        "OMBUDSMAN",
        "oversight",
    )


async def test_a_resolved_case_or_a_late_lower_level_is_refused_quietly(bench: Bench) -> None:
    await claimed(bench, "ESCL-RSLV-0001")
    for command in (
        Command(action=Action.START),
        Command(action=Action.RESOLVE, public_note="Repaired."),
    ):
        await bench.cases.act("ESCL-RSLV-0001", command, OFFICER, str(uuid.uuid4()), utc_now())
    await deliver(bench, escalated("ESCL-RSLV-0001", 1))
    loaded = await bench.ledger.load("ESCL-RSLV-0001")
    assert loaded is not None
    assert (loaded.case.state, loaded.case.version, loaded.case.escalation_level) == (
        State.RESOLVED,
        4,
        0,
    )

    await claimed(bench, "ESCL-ORDR-0001")
    await deliver(bench, escalated("ESCL-ORDR-0001", 2))
    await deliver(bench, escalated("ESCL-ORDR-0001", 1))  # older, arriving last
    assert [e.escalation_level for e in escalations(bench)] == [2]


async def test_an_escalation_that_loses_a_race_to_a_transfer_follows_the_new_ladder(
    bench: Bench,
) -> None:
    """The escalation is decided on the case in Model Town (level 2: WASA's head) while an
    officer transfers it to KWSC's Saddar office: it must be decided again there (level 2:
    KWSC's head), not dropped and not applied with the old department's ladder."""
    await claimed(bench, "ESCL-RACE-0001")
    stale = await bench.ledger.load("ESCL-RACE-0001")
    assert stale is not None
    transfer = Command(
        action=Action.TRANSFER,
        to_department=DepartmentRef("KWSC-SADDAR", "KWSC Saddar Town Office"),
        to_department_part_of=("KWSC-KHI",),
        reason="the street is in Karachi",
    )
    await bench.cases.act("ESCL-RACE-0001", transfer, OFFICER, "transfer", utc_now())
    load = bench.ledger.load
    served: list[Loaded] = [stale]

    async def stale_first(request_id: str) -> Loaded | None:
        return served.pop() if served else await load(request_id)

    bench.ledger.load = stale_first  # type: ignore[method-assign]
    await deliver(bench, escalated("ESCL-RACE-0001", 2))

    assert served == []  # the stale case was decided on first
    [published] = escalations(bench)
    assert (published.case_version, published.escalated_to_department) == (4, "KWSC-KHI")


def deadline(code: str, generation: int, due_in: timedelta | None) -> EventEnvelope:
    data = DeadlineSet(
        request_id=code,
        generation=generation,
        cause="test",
        policy_id="p",
        category="water.no_supply",
        priority="normal",
        department_code=MODEL_TOWN,
        calendar="Asia/Karachi",
        first_response_due_at=None,
        resolution_due_at=None if due_in is None else utc_now() + due_in,
        elapsed_business_seconds=0.0,
        paused=due_in is None,
        stopped=False,
        set_at=utc_now(),
    )
    return new_event(data, subject=code, source="/nigrani/sla")


async def test_due_times_and_breaches_are_stored_for_a_resync(bench: Bench) -> None:
    late = deadline("ESCL-DUE-0001", 2, -timedelta(hours=1))
    for event in (deadline("ESCL-DUE-0001", 1, timedelta(days=1)), late, late):
        await deliver(bench, event)
    await deliver(bench, deadline("ESCL-DUE-0002", 1, None))
    breached = SlaBreached(
        request_id="ESCL-DUE-0002",
        target="resolution",
        due_at=utc_now(),
        department_code=MODEL_TOWN,
        category="water.no_supply",
        priority="normal",
        fired_at=utc_now(),
    )
    await deliver(bench, new_event(breached, subject="ESCL-DUE-0002", source="/nigrani/sla"))

    assert await bench.db["sla_due_times"].count_documents({}) == 4
    resynced = DueTimes()
    resynced.load(await bench.parts.due_times.everything())
    first, second = resynced.of("ESCL-DUE-0001"), resynced.of("ESCL-DUE-0002")
    assert first is not None
    assert second is not None
    assert (first.generation, first.overdue(utc_now())) == (2, True)
    assert (second.paused, second.breached, second.overdue(utc_now())) == (True, True, True)
