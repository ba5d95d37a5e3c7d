"""Which actions are open to the citizen now: a pure function of the case's state, when
it was last resolved and the clock.

Intake answers 409 for an action that is not open, so the citizen learns at once rather
than never seeing an effect. Routing owns the case and applies the same rules when the
event arrives (the state may have moved in between); both read the windows from the
shared settings so they agree on every deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, get_args

CitizenAction = Literal["add_information", "confirm", "dispute", "reopen"]
ACTIONS: tuple[CitizenAction, ...] = get_args(CitizenAction)
REOPENABLE = frozenset({"resolved", "closed", "closed_unconfirmed"})


@dataclass(frozen=True)
class Windows:
    """How long after a resolution the citizen may confirm or dispute it, and reopen it."""

    confirmation: timedelta
    reopen: timedelta

    @classmethod
    def of_days(cls, *, confirmation: int, reopen: int) -> Windows:
        return cls(confirmation=timedelta(days=confirmation), reopen=timedelta(days=reopen))


@dataclass(frozen=True)
class OpenAction:
    action: CitizenAction
    until: datetime | None  # None: open while the state lasts


def open_actions(
    state: str, resolved_at: datetime | None, now: datetime, windows: Windows
) -> tuple[OpenAction, ...]:
    """In the order of ACTIONS. A deadline is exclusive: at `until` the action is closed."""
    found: list[OpenAction] = []
    if state == "awaiting_citizen":
        found.append(OpenAction("add_information", None))
    if resolved_at is not None:
        confirm_until = resolved_at + windows.confirmation
        if state == "resolved" and now < confirm_until:
            found += [OpenAction("confirm", confirm_until), OpenAction("dispute", confirm_until)]
        reopen_until = resolved_at + windows.reopen
        if state in REOPENABLE and now < reopen_until:
            found.append(OpenAction("reopen", reopen_until))
    return tuple(found)


def is_open(action: CitizenAction, opened: tuple[OpenAction, ...]) -> bool:
    return any(o.action == action for o in opened)
