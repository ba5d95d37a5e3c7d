"""One department's share of the board: counters by local day and the open requests'
due times, kept so that every figure is a few dictionary reads or a binary search.

A request's contribution to every counter is a function of its own fields only, so a
newer clock replaces an older one by removing the old entry's contribution and adding the
new one's (`count(entry, -1)`, `count(entry, +1)`): no figure ever needs a pass over all
requests, and nothing depends on the order in which clocks arrive.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right, insort
from collections import Counter
from datetime import date
from operator import itemgetter
from zoneinfo import ZoneInfo

from nigrani_sla.board.days import local_day

Due = tuple[float, str]  # (resolution due, request id): the open list's sort order
_due_time = itemgetter(0)


class Entry:
    """What the board keeps of one clock: the few fields its figures read, in POSIX
    seconds. A slotted object of floats is about a fifth of the ClockRecord it comes from.
    """

    __slots__ = (
        "action",
        "department",
        "due",
        "level",
        "paused",
        "request_id",
        "stopped",
        "submitted",
        "version",
    )

    def __init__(
        self,
        *,
        request_id: str,
        version: tuple[int, int],
        department: str,
        submitted: float,
        stopped: float | None,
        due: float | None,
        paused: bool,
        level: int,
        action: float | None,
    ) -> None:
        self.request_id = request_id
        self.version = version
        self.department = department
        self.submitted = submitted
        self.stopped = stopped
        self.due = due
        self.paused = paused
        self.level = level
        self.action = action

    @property
    def late(self) -> bool:
        """Stopped after its resolution was due: a breach that has been dealt with."""
        return self.stopped is not None and self.due is not None and self.stopped > self.due


class DepartmentIndex:
    """Counters keyed by local day (submissions, stops, late stops, resolve times), the
    open requests' due times in order, and the latest staff action."""

    def __init__(self, zone: ZoneInfo) -> None:
        self._zone = zone
        self.records = 0
        self.open = 0
        self.paused = 0
        self.open_due: list[Due] = []  # open requests with a resolution due time, sorted
        self.open_by_level: Counter[int] = Counter()  # open requests escalated, by level
        self.submitted: Counter[date] = Counter()
        self.stopped: Counter[date] = Counter()
        self.targeted: Counter[date] = Counter()  # stopped with a due time, by stop day
        self.on_time: Counter[date] = Counter()  # stopped at or before due, by stop day
        self.late_by_due_day: Counter[date] = Counter()
        # +1 on a late request's due day, -1 on its stop day: summed up to a day, how many
        # requests stopped late were still overdue at that day's end.
        self.late_span: Counter[date] = Counter()
        self.resolve_seconds: dict[date, dict[str, float]] = {}  # by stop day
        self._actions: list[float] = []  # a heap of negated times, pruned lazily
        self._action_counts: Counter[float] = Counter()

    def count(self, entry: Entry, sign: int, *, sort: bool = True) -> None:
        """Adds (`sign` 1) or removes (`sign` -1) an entry's contribution. With
        `sort=False` the open list is appended to unsorted: call `finish` once after."""
        zone = self._zone
        self.records += sign
        self.submitted[local_day(entry.submitted, zone)] += sign
        if entry.action is not None:
            self._count_action(entry.action, sign, sort=sort)
        if entry.stopped is None:
            self._count_open(entry, sign, sort=sort)
            return
        stop_day = local_day(entry.stopped, zone)
        self.stopped[stop_day] += sign
        resolved = self.resolve_seconds.setdefault(stop_day, {})
        if sign > 0:
            resolved[entry.request_id] = entry.stopped - entry.submitted
        else:
            resolved.pop(entry.request_id, None)
        if entry.due is None:
            return
        self.targeted[stop_day] += sign
        if not entry.late:
            self.on_time[stop_day] += sign
            return
        due_day = local_day(entry.due, zone)
        self.late_by_due_day[due_day] += sign
        self.late_span[due_day] += sign
        self.late_span[stop_day] -= sign

    def _count_open(self, entry: Entry, sign: int, *, sort: bool) -> None:
        self.open += sign
        self.paused += sign if entry.paused else 0
        if entry.level > 0:
            self.open_by_level[entry.level] += sign
        if entry.due is None:
            return
        item = (entry.due, entry.request_id)
        if sign < 0:
            at = bisect_left(self.open_due, item)
            if at < len(self.open_due) and self.open_due[at] == item:
                del self.open_due[at]
        elif sort:
            insort(self.open_due, item)
        else:
            self.open_due.append(item)

    def _count_action(self, at: float, sign: int, *, sort: bool) -> None:
        self._action_counts[at] += sign
        if sign < 0:
            if self._action_counts[at] <= 0:
                del self._action_counts[at]
            return
        if sort:
            heapq.heappush(self._actions, -at)
        else:
            self._actions.append(-at)
        if len(self._actions) > 2 * len(self._action_counts) + 64:
            self._actions = [-t for t in self._action_counts]  # drop removed times
            heapq.heapify(self._actions)

    def finish(self) -> None:
        """Orders what a bulk load appended."""
        self.open_due.sort()
        heapq.heapify(self._actions)

    def last_action(self) -> float | None:
        """The latest staff action on any request the department holds."""
        while self._actions and self._action_counts.get(-self._actions[0], 0) <= 0:
            heapq.heappop(self._actions)
        return -self._actions[0] if self._actions else None

    def overdue(self, now: float) -> int:
        """Open requests due at or before `now` (ClockRecord.overdue_at)."""
        return bisect_right(self.open_due, now, key=_due_time)

    def overdue_before(self, end: float) -> int:
        """Open requests due strictly before `end` (the start of the next day)."""
        return bisect_left(self.open_due, end, key=_due_time)

    def late_overdue_at_end_of(self, days: list[date]) -> list[int]:
        """For each of `days` (ascending), how many requests stopped late were still
        overdue at its end: due on that day or before, stopped on a later day."""
        if not days:
            return []
        running = sum(n for day, n in self.late_span.items() if day < days[0])
        result = []
        for day in days:
            running += self.late_span.get(day, 0)
            result.append(running)
        return result
