"""The case service and its ledger on the real store, with the dangerous orders forced.

Kafka is replaced here by a list (or a failing function) so that the interleavings are
exact; the same paths with the real broker are in tests/e2e/test_staff_workflow.py."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from nigrani_routing.cases.commands import Action, Command
from nigrani_routing.cases.ledger import Committed, Conflict
from nigrani_routing.cases.model import CitizenActor, StaffActor, State
from nigrani_routing.cases.service import KeyReused
from nigrani_routing.cases.workflow import Refused
from nigrani_routing.composition import lapse
from nigrani_shared.auth.identity import Role
from nigrani_shared.clock import utc_now
from nigrani_shared.events import CaseChanged, PlaceRef, RequestRouted
from pymongo.errors import AutoReconnect

from tests.support.case_bench import Bench, opened

pytestmark = pytest.mark.integration

OFFICER_A = StaffActor("officer-a", frozenset({Role.OFFICER}), "WASA-LHR-MODEL-TOWN")
OFFICER_B = StaffActor("officer-b", frozenset({Role.OFFICER}), "WASA-LHR-MODEL-TOWN")


async def test_the_case_and_routed_event_record_areas_version_and_conflict(bench: Bench) -> None:
    routed = (await opened(bench, "CASE-AREA-0001")).event.data
    assert isinstance(routed, RequestRouted)
    assert routed.department_code == "WASA-LHR-MODEL-TOWN"
    assert routed.areas == ("pk-pb-lahore-model-town", "pk-pb-lahore")
    assert routed.rule_id == "water-model-town"
    assert routed.rule_set_version == bench.cases._rules.current.version
    complaint = await opened(
        bench,
        "CASE-COIN-0001",
        category="integrity.bribe_demanded",
        place=PlaceRef(district="Lahore"),
        sensitive=True,
        anonymous=True,
        concerns_department="ACE",
    )
    assert (complaint.case.department.code, complaint.case.excluded_department) == (
        "OMBUDSMAN",
        "ACE",
    )
    stored = await bench.db["cases"].find_one({"_id": "CASE-COIN-0001"})
    assert stored is not None
    assert stored["conflict_of_interest"] is True


async def test_a_redelivered_submission_makes_no_second_case_or_event(bench: Bench) -> None:
    first = await opened(bench, "CASE-DUPE-0001")
    again = await opened(bench, "CASE-DUPE-0001")
    assert again.replayed
    assert again.case == first.case
    assert await bench.db["case_changes"].count_documents({}) == 1
    assert len(bench.published) == 1  # nothing pending, so nothing announced again


async def test_a_failed_publish_is_announced_by_the_relay_once(bench: Bench) -> None:
    bench.broker_down = True
    await opened(bench, "CASE-RELA-0001")
    assert bench.published == []
    assert await bench.db["case_outbox"].count_documents({}) == 1
    bench.broker_down = False
    assert await bench.ledger.relay_round(timedelta(0)) == 1
    assert await bench.ledger.relay_round(timedelta(0)) == 0
    assert [e.type for e in bench.published] == [RequestRouted.event_type]
    assert await bench.db["case_outbox"].count_documents({}) == 0


async def test_two_concurrent_claims_give_one_winner_and_one_conflict(bench: Bench) -> None:
    """Both officials loaded version 1; the first is held after storing its change,
    before its snapshot; the second claims the same version and must lose."""
    await opened(bench, "CASE-RACE-0001")
    loaded = await bench.ledger.load("CASE-RACE-0001")
    stored, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        bench.ledger.between_writes = None  # only the first writer pauses
        stored.set()
        await release.wait()

    bench.ledger.between_writes = hold
    claim = Command(action=Action.CLAIM)
    first = asyncio.create_task(
        bench.cases.act("CASE-RACE-0001", claim, OFFICER_A, "attempt-a", utc_now(), loaded=loaded)
    )
    await stored.wait()
    second = await bench.cases.act(
        "CASE-RACE-0001", claim, OFFICER_B, "attempt-b", utc_now(), loaded=loaded
    )
    release.set()
    winner = await first
    assert isinstance(winner, Committed)
    assert winner.case.assignee == "officer-a"
    assert isinstance(second, Conflict)
    assert (second.latest.state, second.latest.assignee) == (State.ASSIGNED, "officer-a")
    # A third official arriving now loads the case rolled forward: an illegal claim.
    with pytest.raises(Refused) as refused:
        await bench.cases.act("CASE-RACE-0001", claim, OFFICER_B, "attempt-c", utc_now())
    assert refused.value.state is State.ASSIGNED
    assert await bench.db["case_changes"].count_documents({}) == 2
    assert await bench.db["case_outbox"].count_documents({}) == 0


async def test_a_crash_between_change_and_snapshot_is_finished_by_the_relay(bench: Bench) -> None:
    await opened(bench, "CASE-CRSH-0001")

    async def crash() -> None:
        raise RuntimeError("process killed")

    bench.ledger.between_writes = crash
    with pytest.raises(RuntimeError):
        await bench.cases.act(
            "CASE-CRSH-0001", Command(action=Action.CLAIM), OFFICER_A, "attempt-c", utc_now()
        )
    bench.ledger.between_writes = None
    snapshot = await bench.db["cases"].find_one({"_id": "CASE-CRSH-0001"})
    assert snapshot is not None
    assert snapshot["version"] == 1
    assert await bench.ledger.relay_round(timedelta(0)) == 1
    snapshot = await bench.db["cases"].find_one({"_id": "CASE-CRSH-0001"})
    assert snapshot is not None
    assert (snapshot["version"], snapshot["state"]) == (2, "assigned")
    claimed = [e for e in bench.published if isinstance(e.data, CaseChanged)]
    assert [e.data.case_version for e in claimed] == [2]  # type: ignore[attr-defined]


async def test_a_retried_attempt_is_answered_from_its_change(bench: Bench) -> None:
    await opened(bench, "CASE-RTRY-0001")
    claim = Command(action=Action.CLAIM)
    first = await bench.cases.act("CASE-RTRY-0001", claim, OFFICER_A, "attempt-r", utc_now())
    again = await bench.cases.act("CASE-RTRY-0001", claim, OFFICER_A, "attempt-r", utc_now())
    assert isinstance(first, Committed)
    assert isinstance(again, Committed)
    assert again.replayed
    assert again.case == first.case
    assert await bench.db["case_changes"].count_documents({}) == 2


async def test_a_citizen_event_delivered_twice_has_one_effect(bench: Bench) -> None:
    await opened(bench, "CASE-CITZ-0001")
    for action in (Action.CLAIM, Action.START):
        await bench.cases.act(
            "CASE-CITZ-0001", Command(action=action), OFFICER_A, str(uuid.uuid4()), utc_now()
        )
    await bench.cases.act(
        "CASE-CITZ-0001",
        Command(action=Action.REQUEST_INFORMATION, public_note="Which street?"),
        OFFICER_A,
        str(uuid.uuid4()),
        utc_now(),
    )
    answer = Command(action=Action.ADD_INFORMATION, message_id="m-1")
    for _ in range(2):
        await bench.cases.act("CASE-CITZ-0001", answer, CitizenActor(), "event-1", utc_now())
    loaded = await bench.ledger.load("CASE-CITZ-0001")
    assert loaded is not None
    assert (loaded.case.state, loaded.case.version) == (
        State.IN_PROGRESS,
        5,
    )


async def test_an_unanswered_resolution_closes_unconfirmed_when_its_timer_fires(
    bench: Bench,
) -> None:
    await opened(bench, "CASE-LAPS-0001")
    steps = [
        Command(action=Action.CLAIM),
        Command(action=Action.START),
        Command(action=Action.RESOLVE, public_note="The valve was replaced."),
    ]
    for command in steps:
        await bench.cases.act("CASE-LAPS-0001", command, OFFICER_A, str(uuid.uuid4()), utc_now())
    # Nothing is due yet; half an hour on (window five, grace fifteen), the lapse fires.
    assert await bench.parts.lapses.sweep(lambda k, d: lapse(bench.parts, k, d)) == 0
    fired = await bench.parts.lapses.sweep(
        lambda k, d: lapse(bench.parts, k, d, now=utc_now() + timedelta(minutes=30)),
        now=utc_now() + timedelta(minutes=30),
    )
    assert fired == 1
    loaded = await bench.ledger.load("CASE-LAPS-0001")
    assert loaded is not None
    assert loaded.case.state is State.CLOSED_UNCONFIRMED
    # The same timer fired again (another replica, a repeated minute) changes nothing.
    timer = await bench.db["timers"].find_one({"key": "CASE-LAPS-0001"})
    assert timer is not None
    await lapse(
        bench.parts, "CASE-LAPS-0001", timer["due_at"], now=utc_now() + timedelta(minutes=30)
    )
    loaded = await bench.ledger.load("CASE-LAPS-0001")
    assert loaded is not None
    assert loaded.case.version == 5


async def _resolved(bench: Bench, code: str) -> None:
    await opened(bench, code)
    for command in (
        Command(action=Action.CLAIM),
        Command(action=Action.START),
        Command(action=Action.RESOLVE, public_note="Repaired."),
    ):
        await bench.cases.act(code, command, OFFICER_A, str(uuid.uuid4()), utc_now())


async def test_a_citizen_action_that_loses_a_race_is_decided_again_not_dropped(
    bench: Bench,
) -> None:
    """The citizen's confirmation was decided on version 4 while an officer's note took
    version 5: it must be decided again on version 5, not answered with a 409 nobody
    reads (the consumer would commit the offset and the confirmation would be lost)."""
    await _resolved(bench, "CASE-CNFL-0001")
    stale = await bench.ledger.load("CASE-CNFL-0001")
    assert stale is not None
    note = Command(action=Action.NOTE, internal_note="Checked the valve again.")
    await bench.cases.act("CASE-CNFL-0001", note, OFFICER_A, "note-1", utc_now())
    confirm = Command(action=Action.CONFIRM)
    outcome = await bench.cases.act(
        "CASE-CNFL-0001", confirm, CitizenActor(), "event-9", utc_now(), loaded=stale
    )
    assert isinstance(outcome, Committed)
    assert (outcome.case.state, outcome.case.version) == (State.CLOSED, 6)


async def test_a_snapshot_left_behind_is_rolled_forward_before_any_decision(
    bench: Bench,
) -> None:
    """A slow writer's snapshot landing after a newer one puts the snapshot behind the
    history: the next load must find the newer changes by `_id` and repair it."""
    await _resolved(bench, "CASE-BHND-0001")
    behind = await bench.db["case_changes"].find_one({"_id": "CASE-BHND-0001:2"})
    assert behind is not None
    await bench.db["cases"].replace_one({"_id": "CASE-BHND-0001"}, behind["case"])
    loaded = await bench.ledger.load("CASE-BHND-0001")
    assert loaded is not None
    assert (loaded.case.state, loaded.case.version) == (State.RESOLVED, 4)
    repaired = await bench.db["cases"].find_one({"_id": "CASE-BHND-0001"})
    assert repaired is not None
    assert repaired["version"] == 4
    confirmed = await bench.cases.act(
        "CASE-BHND-0001", Command(action=Action.CONFIRM), CitizenActor(), "e-1", utc_now()
    )
    assert isinstance(confirmed, Committed)
    assert confirmed.case.state is State.CLOSED


async def test_a_key_reused_for_a_different_command_is_refused(bench: Bench) -> None:
    await opened(bench, "CASE-REUS-0001")
    first = Command(action=Action.NOTE, internal_note="first")
    await bench.cases.act("CASE-REUS-0001", first, OFFICER_A, "attempt-k", utc_now())
    with pytest.raises(KeyReused):
        await bench.cases.act(
            "CASE-REUS-0001",
            Command(action=Action.NOTE, internal_note="different"),
            OFFICER_A,
            "attempt-k",
            utc_now(),
        )


async def test_an_entry_the_store_failed_to_remove_after_the_publish_is_not_published_again(
    bench: Bench,
) -> None:
    """Kafka acked, then the store failed on the entry's delete: the redelivery and the
    relay remove the entry later without a second record on the topic."""
    repository = bench.parts.repository
    remove = repository.remove_pending
    failures = [AutoReconnect("store went away")]

    async def flaky_remove(attempt: str) -> None:
        if failures:
            raise failures.pop()
        await remove(attempt)

    repository.remove_pending = flaky_remove  # type: ignore[method-assign]
    await opened(bench, "CASE-UNRM-0001")
    assert await bench.db["case_outbox"].count_documents({}) == 1
    await opened(bench, "CASE-UNRM-0001")  # the redelivery
    await bench.ledger.relay_round(timedelta(0))
    assert await bench.db["case_outbox"].count_documents({}) == 0
    assert [e.type for e in bench.published] == [RequestRouted.event_type]
