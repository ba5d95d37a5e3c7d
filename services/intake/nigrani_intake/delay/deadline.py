"""The public reading of a request's due times: pure functions, no I/O.

The SLA service announces a request's due times as numbered generations (sla.deadline_set):
at submission and whenever they move (routing, a pause while the citizen is asked for
information, the answer, the first response, a stop, a reopen). The reader folds them in
generation order, so the latest generation gives the due times, while the fold keeps the
one thing a later generation can hide: the resolution due time in force before a pause.

Whether the request is overdue is decided here at read time from the due time and the
clock, not from a stored flag: it becomes true the moment the due time passes, whether
or not the SLA service's breach has been delivered yet, and `overdue_by_seconds` grows
with every read. A pause does not hide a delay that had already happened: a request that
was overdue when it was paused stays overdue, by the (frozen) time it was overdue when the
pause began, so asking the citizen a question never makes a late request look on time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from nigrani_shared.store.client import Document

#: Marks a generation slot that was never delivered but was overtaken by a newer one
#: (delay/repository.py): the reader walks past it, and the older generation, should it
#: arrive after all, meets it and is dropped.
SUPERSEDED = "superseded"

#: Case states in which no target runs any more (the SLA service stops the clock there).
_ENDED_STATES = frozenset({"resolved", "rejected", "closed", "closed_unconfirmed"})


@dataclass(frozen=True)
class DeadlineState:
    """The latest generation's due times, and what the fold kept from earlier ones."""

    generation: int
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    paused: bool
    stopped: bool
    #: The last resolution due time announced, whichever generation announced it.
    last_resolution_due_at: datetime | None
    #: When the current pause began (the first of the consecutive paused generations).
    paused_since: datetime | None


def fold(state: DeadlineState | None, generations: list[Document]) -> DeadlineState | None:
    """`state` advanced by the stored generations that follow it, in generation order
    (slots marked SUPERSEDED are passed over)."""
    for stored in generations:
        if stored.get("kind") == SUPERSEDED:
            continue
        due: datetime | None = stored["resolution_due_at"]
        paused = bool(stored["paused"])
        already_paused = state is not None and state.paused
        state = DeadlineState(
            generation=stored["generation"],
            first_response_due_at=stored["first_response_due_at"],
            resolution_due_at=due,
            paused=paused,
            stopped=bool(stored["stopped"]),
            last_resolution_due_at=due if due is not None else _last_due(state),
            paused_since=(
                (state.paused_since if already_paused and state else stored["set_at"])
                if paused
                else None
            ),
        )
    return state


def _last_due(state: DeadlineState | None) -> datetime | None:
    return state.last_resolution_due_at if state is not None else None


@dataclass(frozen=True)
class Delay:
    """What the public view says about time: due times, a pause, and how late."""

    due_at: datetime | None = None
    first_response_due_at: datetime | None = None
    paused: bool = False
    overdue: bool = False
    overdue_by_seconds: int | None = None


NO_DEADLINE = Delay()


def assess(state: DeadlineState | None, *, case_state: str, now: datetime) -> Delay:
    """The delay as of `now`. Only an open request is overdue: once the case is resolved,
    rejected or closed (by the timeline, or by the SLA service's stop), nothing is late any
    more, even before the other of the two has caught up."""
    if state is None:
        return NO_DEADLINE
    open_now = not state.stopped and case_state not in _ENDED_STATES
    delay = Delay(
        due_at=None if state.paused else state.resolution_due_at,
        first_response_due_at=state.first_response_due_at if open_now else None,
        paused=state.paused and open_now,
    )
    late_since, until = _missed_due(state, now)
    if not open_now or late_since is None or until <= late_since:
        return delay
    seconds = int((until - late_since).total_seconds())
    return replace(delay, overdue=True, overdue_by_seconds=seconds)


def _missed_due(state: DeadlineState, now: datetime) -> tuple[datetime | None, datetime]:
    """The resolution due time to measure lateness from, and up to when: now while the
    clock runs, the start of the pause while it is paused."""
    if state.paused and state.paused_since is not None:
        return state.last_resolution_due_at, state.paused_since
    return state.resolution_due_at, now
