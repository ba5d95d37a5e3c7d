"""The board against its definitions, on random clocks: whatever the clocks and the order
they arrive in, the indexed figures equal the ones computed by a pass over every clock
(board_support.naive_summary), and a bulk load equals applying one by one."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nigrani_sla.board.projection import BoardProjection
from nigrani_sla.clock.record import ClockRecord

from tests.support.sla_clocks import NOW
from tests.unit.sla.board_support import figures, latest, naive_summary

DEPARTMENTS = [None, "WASA-LHR", "LESCO"]
MINUTE = timedelta(minutes=1)
# Times within 45 days before NOW and a few after, in whole minutes and on a few exact
# boundaries (NOW itself, local midnights), where off-by-one errors live.
_offsets = st.one_of(
    st.integers(min_value=-45 * 24 * 60, max_value=3 * 24 * 60),
    st.sampled_from([0, -9 * 60, -9 * 60 - 1, -33 * 60, 15 * 60]),
)


def _at(minutes: int) -> datetime:
    return NOW + minutes * MINUTE


@st.composite
def clocks(draw: st.DrawFn) -> ClockRecord:
    submitted = _at(draw(st.integers(min_value=-45 * 24 * 60, max_value=0)))
    due = draw(st.one_of(st.none(), _offsets.map(_at)))
    stop = draw(st.one_of(st.none(), _offsets.map(_at)))
    stop = stop if stop is None or stop <= NOW else NOW  # nothing stops in the future
    action = draw(st.one_of(st.none(), _offsets.map(_at)))
    return ClockRecord(
        request_id=draw(st.sampled_from([f"R{n}" for n in range(12)])),
        category="roads.pothole",
        priority="normal",
        department_code=draw(st.sampled_from(DEPARTMENTS)),
        calendar="punjab",
        policy_id="p",
        first_response_target_seconds=3600.0,
        resolution_target_seconds=7200.0,
        submitted_at=submitted,
        stopped_at=stop,
        running_since=None if stop is not None or draw(st.booleans()) else submitted,
        resolution_due_at=due,
        escalation_level=draw(st.integers(min_value=0, max_value=3)),
        last_staff_action_at=action,
        case_version=draw(st.integers(min_value=0, max_value=5)),
        generation=draw(st.integers(min_value=1, max_value=3)),
    )


_histories = st.lists(
    clocks(), max_size=40, unique_by=lambda r: (r.request_id, r.case_version, r.generation)
)


def _assert_same(a: dict[str, object], b: dict[str, object]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        if key in ("median", "p90") and a[key] is not None:
            assert a[key] == pytest.approx(b[key]), key
        elif key == "oldest":
            assert [x[:2] for x in a[key]] == [x[:2] for x in b[key]]  # type: ignore[index, union-attr]
            assert [x[2] for x in a[key]] == pytest.approx([x[2] for x in b[key]])  # type: ignore[index, union-attr]
        else:
            assert a[key] == b[key], key


@settings(max_examples=300, deadline=None)
@given(records=_histories, order=st.randoms(use_true_random=False))
def test_applied_in_any_order_the_figures_match_their_definitions(
    records: list[ClockRecord], order: object
) -> None:
    board = BoardProjection()
    shuffled = list(records)
    order.shuffle(shuffled)  # type: ignore[attr-defined]
    for record in shuffled:
        board.apply(record)
    wanted = latest(sorted(records, key=lambda r: (r.case_version, r.generation)))
    assert len(board) == len(wanted)
    for department in [None, *board.departments()]:
        got = figures(board.summary(NOW, department))
        _assert_same(got, naive_summary(wanted, NOW, department))


@settings(max_examples=200, deadline=None)
@given(first=_histories, second=_histories)
def test_a_load_replaces_everything_and_equals_applying_one_by_one(
    first: list[ClockRecord], second: list[ClockRecord]
) -> None:
    loaded = BoardProjection()
    loaded.load(first)
    loaded.load(second)
    applied = BoardProjection()
    for record in second:
        applied.apply(record)
    # A department stays listed (with zeros) after its last clock moved away, until the
    # next load: the only difference allowed.
    kept = set(loaded.departments())
    assert kept <= set(applied.departments())
    lines = applied.department_lines(NOW)
    assert loaded.department_lines(NOW) == [line for line in lines if line.department in kept]
    assert all(line.open == 0 for line in lines if line.department not in kept)
    for department in [None, *loaded.departments()]:
        _assert_same(
            figures(loaded.summary(NOW, department)), figures(applied.summary(NOW, department))
        )


@settings(max_examples=200, deadline=None)
@given(records=_histories)
def test_department_lines_agree_with_each_department_summary(records: list[ClockRecord]) -> None:
    board = BoardProjection()
    board.load(records)
    for line in board.department_lines(NOW):
        summary = board.summary(NOW, line.department)
        assert (line.open, line.overdue) == (summary.open, summary.overdue)
        assert line.last_staff_action_at == summary.last_staff_action_at
        oldest = summary.oldest_overdue[0].overdue_seconds if summary.oldest_overdue else 0.0
        assert line.oldest_overdue_seconds == pytest.approx(oldest)
