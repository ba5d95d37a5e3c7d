"""The feed's bookkeeping, on a stand-in for the clocks collection (its reads against
the real store are in tests/integration/sla/test_ops_board.py): which clock an event
calls for, and how long a clock that is not there yet is looked for."""

from __future__ import annotations

from typing import Any

from nigrani_shared.events import DeadlineSet, RequestRouted, SlaBreached, new_event
from nigrani_sla.board.feed import BoardFeed, Expectation, FeedTiming, expectation_of
from nigrani_sla.board.projection import BoardProjection

from tests.support.events import case_changed, routed, submitted
from tests.support.sla_clocks import NOW, clock

TIMING = FeedTiming(recheck_first_seconds=1, recheck_max_seconds=4, recheck_for_seconds=10)


class Clocks:
    """find_one by `_id` over a dict, counting the reads."""

    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}
        self.reads = 0

    async def find_one(self, query: dict[str, str]) -> dict[str, Any] | None:
        self.reads += 1
        return self.documents.get(query["_id"])


def test_each_event_says_what_the_clock_shows_once_handled() -> None:
    assert expectation_of(submitted("A1").data) == Expectation()
    routed_data = routed("A1").data
    assert isinstance(routed_data, RequestRouted)
    assert expectation_of(routed_data) == Expectation(case_version=1)
    assert expectation_of(case_changed("A1", version=4, to_state="resolved").data) == Expectation(
        case_version=4
    )
    deadline = DeadlineSet(
        request_id="A1", generation=3, cause="routed", policy_id="p", category="c",
        priority="normal", department_code=None, calendar="k", first_response_due_at=None,
        resolution_due_at=None, elapsed_business_seconds=0, paused=False, stopped=False,
        set_at=NOW,
    )  # fmt: skip
    assert expectation_of(deadline) == Expectation(generation=3)
    breach = SlaBreached(
        request_id="A1", target="resolution", due_at=NOW, department_code=None, category="c",
        priority="normal", fired_at=NOW,
    )  # fmt: skip
    assert expectation_of(breach) == Expectation()
    assert not Expectation().met_by(None)
    assert Expectation(case_version=2).met_by(clock("A1", case_version=3))
    assert not Expectation(case_version=2, generation=2).met_by(clock("A1", case_version=3))


async def test_a_clock_behind_its_event_is_read_again_with_backoff_then_given_up() -> None:
    clocks, board, now = Clocks(), BoardProjection(), [0.0]
    feed = BoardFeed(clocks, board, TIMING, monotonic=lambda: now[0])  # type: ignore[arg-type]
    clocks.documents["A1"] = clock("A1", case_version=1).to_document()
    await feed.on_event(
        new_event(case_changed("A1", version=2, to_state="x").data, subject="A1", source="/t")
    )
    assert (board.version_of("A1"), feed.waiting, clocks.reads) == ((1, 1), 1, 1)

    reads_at = []
    for tick in range(1, 16):
        now[0] = float(tick)
        before = clocks.reads
        await feed.recheck_due()
        if clocks.reads > before:
            reads_at.append(tick)
    assert reads_at == [1, 3, 7, 11]  # after 1, 2, 4, then at most 4 s; for 10 s
    assert (feed.waiting, feed.given_up) == (0, 1)


async def test_a_recheck_that_finds_the_clock_stops_and_a_missing_clock_is_waited_for() -> None:
    clocks, board, now = Clocks(), BoardProjection(), [0.0]
    feed = BoardFeed(clocks, board, TIMING, monotonic=lambda: now[0])  # type: ignore[arg-type]
    await feed.on_event(submitted("A1"))  # the SLA consumer has not stored it yet
    assert (len(board), feed.waiting) == (0, 1)
    clocks.documents["A1"] = clock("A1").to_document()
    now[0] = 1.0
    await feed.recheck_due()
    assert (board.version_of("A1"), feed.waiting, feed.given_up) == ((1, 1), 0, 0)
    now[0] = 5.0
    await feed.recheck_due()
    assert clocks.reads == 2
