"""The ops board's read model: every request's SLA clock, reduced to what the board's
figures read, with per-department counters kept current on every change.

Pure: no I/O and no clock of its own (every question takes `now`), so the unit tests are
exhaustive and the feed (feed.py) decides where the clocks come from. Why in memory: the
figures are counts over the whole system by department and day, and on the local store
any filter but one `_id` scans the collection; a scan per page view or per scrape would
cost seconds at 100,000 clocks. Why not stored counters: the SLA consumers of several
partitions would update the same counter documents, and the store loses concurrent
updates to one document.

Each replica keeps its own copy, derived only from the stored clocks, so every replica
answers the same (give or take the feed's lag), and the gauges aggregate with max.

Memory: about 400 bytes a request (an `Entry` of floats, its place in a few dicts), so
100,000 requests take some 40 MB; counters by day grow with days, not requests.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from nigrani_sla.board.days import KARACHI, seconds
from nigrani_sla.board.figures import department_line, oldest_overdue, summarise
from nigrani_sla.board.index import DepartmentIndex, Entry
from nigrani_sla.board.summary import UNROUTED, BoardSummary, DepartmentLine, OverdueCase
from nigrani_sla.clock.record import ClockRecord

OLDEST_SHOWN = 10
TREND_DAYS = 30


def department_of(record: ClockRecord) -> str:
    return record.department_code if record.department_code is not None else UNROUTED


def _entry(record: ClockRecord) -> Entry:
    return Entry(
        request_id=record.request_id,
        version=(record.case_version, record.generation),
        department=department_of(record),
        submitted=seconds(record.submitted_at),
        stopped=seconds(record.stopped_at) if record.stopped_at is not None else None,
        due=seconds(record.resolution_due_at) if record.resolution_due_at is not None else None,
        paused=record.paused,
        level=record.escalation_level,
        action=(
            seconds(record.last_staff_action_at)
            if record.last_staff_action_at is not None
            else None
        ),
    )


class UnknownDepartmentError(LookupError):
    """No clock on the board has ever belonged to this department."""


class BoardProjection:
    def __init__(self, zone: ZoneInfo = KARACHI) -> None:
        self.zone = zone
        self._entries: dict[str, Entry] = {}
        self._departments: dict[str, DepartmentIndex] = {}

    def apply(self, record: ClockRecord) -> bool:
        """Takes a clock if it is newer, by (case_version, generation), than the one held
        for its request; returns whether it did. Clocks may arrive in any order."""
        held = self._entries.get(record.request_id)
        entry = _entry(record)
        if held is not None:
            if held.version >= entry.version:
                return False
            self._index(held.department).count(held, -1)
        self._entries[record.request_id] = entry
        self._index(entry.department).count(entry, +1)
        return True

    def load(self, records: Iterable[ClockRecord]) -> None:
        """Replaces everything with `records` (the latest of each request wins)."""
        loader = self.loader()
        for record in records:
            loader.add(record)
        loader.finish()

    def loader(self) -> BoardLoader:
        """A bulk load that can be fed across awaits (a store scan) and replaces the
        board's content only when finished: O(n log n), where applying n clocks one by
        one would keep re-sorting the open lists."""
        return BoardLoader(self)

    def version_of(self, request_id: str) -> tuple[int, int] | None:
        held = self._entries.get(request_id)
        return held.version if held is not None else None

    def __len__(self) -> int:
        return len(self._entries)

    def departments(self) -> list[str]:
        """Every department a clock on the board has belonged to, in name order (once
        seen, a department stays listed, with zeros, until the next full load)."""
        return sorted(self._departments)

    def knows(self, department: str) -> bool:
        return department in self._departments

    def department_lines(self, now: datetime) -> list[DepartmentLine]:
        """Every department's open, overdue, oldest overdue age and last staff action."""
        at = seconds(now)
        return [department_line(name, self._departments[name], at) for name in self.departments()]

    def oldest_overdue(self, now: datetime, limit: int = OLDEST_SHOWN) -> list[OverdueCase]:
        return oldest_overdue(self._departments, seconds(now), limit)

    def summary(
        self,
        now: datetime,
        department: str | None = None,
        *,
        oldest: int = OLDEST_SHOWN,
        trend_days: int = TREND_DAYS,
    ) -> BoardSummary:
        """The whole system's figures (`department` None) or one department's. Raises
        UnknownDepartmentError for a department no clock has belonged to."""
        if department is None:
            indexes = self._departments
            lines = self.department_lines(now)
        elif department in self._departments:
            indexes = {department: self._departments[department]}
            lines = []
        else:
            raise UnknownDepartmentError(department)
        return summarise(
            indexes,
            now,
            self.zone,
            department=department,
            oldest=oldest,
            trend_days=trend_days,
            lines=lines,
        )

    def _index(self, department: str) -> DepartmentIndex:
        index = self._departments.get(department)
        if index is None:
            index = self._departments[department] = DepartmentIndex(self.zone)
        return index

    def _replace(self, entries: dict[str, Entry]) -> None:
        departments: dict[str, DepartmentIndex] = {}
        for entry in entries.values():
            index = departments.get(entry.department)
            if index is None:
                index = departments[entry.department] = DepartmentIndex(self.zone)
            index.count(entry, +1, sort=False)
        for index in departments.values():
            index.finish()
        self._entries, self._departments = entries, departments


class BoardLoader:
    """Collects clocks for `BoardProjection.load`; the board is untouched until `finish`."""

    def __init__(self, board: BoardProjection) -> None:
        self._board = board
        self._entries: dict[str, Entry] = {}

    def add(self, record: ClockRecord) -> None:
        entry = _entry(record)
        held = self._entries.get(entry.request_id)
        if held is None or held.version < entry.version:
            self._entries[entry.request_id] = entry

    def finish(self) -> None:
        self._board._replace(self._entries)
        self._entries = {}
