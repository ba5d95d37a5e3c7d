"""Reads calendars.yaml and closures.yaml into one business calendar per department.

A department gets the calendar calendars.yaml maps it to (the default when unmapped or
unknown), with the closures and openings that apply to every department plus those that
list it; a department with closures of its own gets its own calendar object, named
`<calendar>+<department>`, so that nothing keyed by calendar name mixes the two. Calendars
that never close (always_open) ignore holidays, closures and openings.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from pathlib import Path
from zoneinfo import ZoneInfo

from nigrani_shared.config_files.loading import read_bytes, validate_yaml

from nigrani_sla.calendar import DEFAULT_CALENDARS_PATH, DEFAULT_CLOSURES_PATH
from nigrani_sla.calendar.business import BusinessCalendar, Closure
from nigrani_sla.calendar.errors import CalendarConfigError
from nigrani_sla.calendar.hours import DAY, WEEKDAYS, WeekHours
from nigrani_sla.calendar.public_holidays import PublicHolidays
from nigrani_sla.calendar.schemas import (
    CalendarsFile,
    CalendarSpec,
    ClosuresFile,
    ScopedEntry,
)


class Calendars:
    """Every department's calendar, looked up by department code."""

    def __init__(
        self,
        default: BusinessCalendar,
        by_department: Mapping[str, BusinessCalendar],
        version: str = "",
    ) -> None:
        self.default = default
        self._by_department = dict(by_department)
        self._by_name = {c.name: c for c in (default, *self._by_department.values())}
        self.version = version

    def named(self, name: str) -> BusinessCalendar:
        """The calendar a clock was started on: its name is stored with the clock, so the
        clock keeps its calendar when the request moves to another department. A name no
        longer in the files (they changed) falls back to the default."""
        return self._by_name.get(name, self.default)

    def for_department(self, code: str | None) -> BusinessCalendar:
        if code is None:
            return self.default
        return self._by_department.get(code, self.default)

    def departments(self) -> Mapping[str, BusinessCalendar]:
        return dict(self._by_department)


def load_calendars(
    calendars_path: Path = DEFAULT_CALENDARS_PATH,
    closures_path: Path = DEFAULT_CLOSURES_PATH,
    known_departments: Collection[str] | None = None,
) -> Calendars:
    """Both files validated and joined; any problem raises CalendarConfigError naming the
    file and line. `known_departments` (routing's codes) refuses a department typo."""
    calendars_raw = read_bytes(calendars_path, CalendarConfigError)
    closures_raw = read_bytes(closures_path, CalendarConfigError)
    calendars = validate_yaml(
        CalendarsFile,
        calendars_raw,
        calendars_path.name,
        CalendarConfigError,
        {"known_departments": known_departments},
    )
    mapped = set(calendars.departments) | set(known_departments or ())
    closures = validate_yaml(
        ClosuresFile,
        closures_raw,
        closures_path.name,
        CalendarConfigError,
        {"known_departments": mapped, "known_calendars": set(calendars.calendars)},
    )
    return build_calendars(calendars, closures, _version(calendars_raw, closures_raw))


def build_calendars(calendars: CalendarsFile, closures: ClosuresFile, version: str) -> Calendars:
    shared = {
        name: _calendar(name, name, spec, closures, None)
        for name, spec in calendars.calendars.items()
    }
    entries: list[ScopedEntry] = [*closures.closures, *closures.openings]
    own = {code for entry in entries for code in entry.departments or ()}
    by_department: dict[str, BusinessCalendar] = {}
    for code in sorted(set(calendars.departments) | own):
        name = calendars.departments.get(code, calendars.default)
        spec = calendars.calendars[name]
        by_department[code] = (
            _calendar(f"{name}+{code}", name, spec, closures, code)
            if code in own and not spec.always_open
            else shared[name]
        )
    return Calendars(shared[calendars.default], by_department, version)


def _calendar(
    name: str, base: str, spec: CalendarSpec, closures: ClosuresFile, department: str | None
) -> BusinessCalendar:
    """Calendar `base` (its spec) with the entries that apply to it and `department`."""
    zone = ZoneInfo(spec.zone)
    if spec.always_open:
        return BusinessCalendar.always_open(name, zone)
    openings = [o.date for o in closures.openings if o.applies(base, department)]
    return BusinessCalendar(
        name,
        zone=zone,
        week=_week(spec),
        holidays=PublicHolidays(spec.holidays, openings) if spec.holidays else frozenset(),
        closures=[
            Closure(c.date, c.until or c.date, c.reason, c.hours or ((0, DAY),))
            for c in closures.closures
            if c.applies(base, department)
        ],
        day_seconds=spec.day_hours * 3600 if spec.day_hours is not None else None,
    )


def _week(spec: CalendarSpec) -> WeekHours:
    mon, tue, wed, thu, fri, sat, sun = (spec.week.get(day, ()) for day in WEEKDAYS)
    return (mon, tue, wed, thu, fri, sat, sun)


def _version(*files: bytes) -> str:
    """One hash over both files (each length-prefixed), recorded with computed due times."""
    digest = hashlib.sha256()
    for raw in files:
        digest.update(len(raw).to_bytes(8, "big"))
        digest.update(raw)
    return digest.hexdigest()[:16]
