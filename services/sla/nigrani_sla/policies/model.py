"""What an SLA policy says, as plain values: targets, the warning share and the ladder.

A target is a duration of business time; days are counted in full working days of the
department's calendar (`BusinessCalendar.day_seconds`), so "21 days" is 21 full days of
that calendar's working time, whatever the hours of a single day are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from nigrani_sla.calendar.business import BusinessCalendar

Unit = Literal["seconds", "minutes", "hours", "days"]
Role = Literal["supervisor", "dept_admin", "oversight"]

ANY = "*"
# Routing's priorities (nigrani_routing.cases.model.Priority); a test keeps them equal.
PRIORITIES = ("low", "normal", "high", "urgent")
# The ladder's levels: 1 supervisor, 2 head of department (dept_admin), 3 oversight.
LADDER_ROLES: tuple[Role, ...] = ("supervisor", "dept_admin", "oversight")

_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600}


@dataclass(frozen=True)
class Duration:
    amount: float
    unit: Unit

    def business_seconds(self, calendar: BusinessCalendar) -> float:
        if self.unit == "days":
            return self.amount * calendar.day_seconds
        return self.amount * _UNIT_SECONDS[self.unit]

    def __str__(self) -> str:
        amount = int(self.amount) if self.amount == int(self.amount) else self.amount
        return f"{amount} {self.unit[:-1] if amount == 1 else self.unit}"


@dataclass(frozen=True)
class Rung:
    """One level of the escalation ladder. Its allowance is business time after the
    previous rung fired (the first rung: after the resolution target)."""

    level: int
    role: str
    allowance: Duration


@dataclass(frozen=True)
class Policy:
    id: str
    category: str
    priority: str
    first_response: Duration
    resolution: Duration
    warning_share: float
    ladder: tuple[Rung, ...]

    def warning_seconds(self, target: Duration, calendar: BusinessCalendar) -> float:
        """Business seconds after the clock started at which `target` warns."""
        return target.business_seconds(calendar) * self.warning_share

    def escalation_seconds(self, calendar: BusinessCalendar) -> tuple[tuple[Rung, float], ...]:
        """Each rung with the business seconds after the resolution due time at which it
        fires (allowances add up)."""
        after, fired = 0.0, []
        for rung in self.ladder:
            after += rung.allowance.business_seconds(calendar)
            fired.append((rung, after))
        return tuple(fired)


class PolicyBook:
    """Every policy, looked up from the most specific: (category, priority), (category,
    "*"), ("*", priority), ("*", "*"). The book must hold ("*", "*")."""

    def __init__(self, policies: Iterable[Policy], version: str) -> None:
        self._by_key = {(p.category, p.priority): p for p in policies}
        if (ANY, ANY) not in self._by_key:
            raise ValueError('a policy book needs a policy for category "*" and priority "*"')
        self.version = version

    def policy_for(self, category: str, priority: str) -> Policy:
        for key in ((category, priority), (category, ANY), (ANY, priority)):
            found = self._by_key.get(key)
            if found is not None:
                return found
        return self._by_key[(ANY, ANY)]

    def policies(self) -> tuple[Policy, ...]:
        return tuple(self._by_key.values())
