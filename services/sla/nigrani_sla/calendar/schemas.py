"""The calendars and closures files, validated when the SLA service starts.

Cross-references (the default calendar, each department's calendar, a closure's
departments) raise `reference_error` with their place in the file, so the loader can name
the line. Department codes are checked against the departments the caller knows (routing's
list) when it passes them as validation context `known_departments`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nigrani_shared.config_files.loading import reference_error
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)

from nigrani_sla.calendar.hours import DayHours, Span, Weekday, day_problem, parse_span
from nigrani_sla.calendar.public_holidays import supported

CalendarName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
DepartmentCode = Annotated[str, Field(pattern=r"^[A-Z0-9-]{2,32}$")]


def _span(value: object) -> object:
    return parse_span(value) if isinstance(value, str) else value


def _listed(value: object) -> object:
    """One span may be written without brackets: `hours: "12:00-24:00"`."""
    return (value,) if isinstance(value, str) else value


def _ordered(spans: DayHours) -> DayHours:
    problem = day_problem(spans)
    if problem is not None:
        raise ValueError(problem)
    return spans


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"{name!r} is not a time zone name like 'Asia/Karachi'") from error
    return name


def _country(code: str) -> str:
    if not supported(code):
        raise ValueError(f"{code!r} is not a country the holidays package knows (e.g. 'PK')")
    return code


SpanText = Annotated[Span, BeforeValidator(_span)]
Hours = Annotated[tuple[SpanText, ...], BeforeValidator(_listed), AfterValidator(_ordered)]


class CalendarSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    description: str = ""
    zone: Annotated[str, AfterValidator(_zone)] = "Asia/Karachi"
    always_open: bool = Field(
        default=False,
        description="24x7: no week, holidays or closures; business time is wall time.",
    )
    week: dict[Weekday, Hours] = {}
    holidays: Annotated[str, AfterValidator(_country)] | None = "PK"
    day_hours: float | None = Field(default=None, gt=0, le=24)

    @model_validator(mode="after")
    def _week_fits(self) -> CalendarSpec:
        if self.always_open and self.week:
            raise ValueError("an always_open calendar has no week")
        if not self.always_open and not any(self.week.values()):
            raise ValueError("a calendar needs working hours on some day of its week")
        return self


class CalendarsFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    default: CalendarName
    calendars: dict[CalendarName, CalendarSpec] = Field(min_length=1)
    departments: dict[DepartmentCode, CalendarName] = {}

    @model_validator(mode="after")
    def _references_resolve(self, info: ValidationInfo) -> CalendarsFile:
        if self.default not in self.calendars:
            raise reference_error(("default",), f"default calendar {self.default} is not defined")
        known = _known_departments(info)
        for code, name in self.departments.items():
            if name not in self.calendars:
                raise reference_error(
                    ("departments", code), f"department {code} names unknown calendar {name}"
                )
            if known is not None and code not in known:
                raise reference_error(("departments", code), f"unknown department {code}")
        return self


class ScopedEntry(BaseModel):
    """An entry for every department, or only the departments it lists and/or the
    departments whose calendar it names."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    departments: tuple[DepartmentCode, ...] | None = Field(default=None, min_length=1)
    calendars: tuple[CalendarName, ...] | None = Field(default=None, min_length=1)

    def applies(self, calendar: str, department: str | None) -> bool:
        """Whether it applies to `calendar`'s days (for `department`, or for a calendar
        shared by departments that have no entries of their own)."""
        if self.calendars is not None and calendar not in self.calendars:
            return False
        return self.departments is None or department in self.departments


class ClosureSpec(ScopedEntry):
    date: dt.date
    until: dt.date | None = Field(default=None, description="Last closed date, inclusive.")
    hours: Hours | None = Field(default=None, description="Closed part of each date.")
    reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _range(self) -> ClosureSpec:
        if self.until is not None and self.until < self.date:
            raise ValueError(f"until {self.until} is before date {self.date}")
        if self.hours is not None and not self.hours:
            raise ValueError("hours lists no span: leave it out to close the whole day")
        return self


class OpeningSpec(ScopedEntry):
    """A date the holidays package lists but the government kept as a working day."""

    date: dt.date
    reason: str = Field(min_length=1)


class ClosuresFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    closures: tuple[ClosureSpec, ...] = ()
    openings: tuple[OpeningSpec, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _empty_file(cls, data: object) -> object:
        """A file with nothing in it (or only comments) closes nothing."""
        return {} if data is None else data

    @model_validator(mode="after")
    def _references_resolve(self, info: ValidationInfo) -> ClosuresFile:
        departments = _known_departments(info)
        calendars: Collection[str] | None = (info.context or {}).get("known_calendars")
        entries: tuple[tuple[str, tuple[ScopedEntry, ...]], ...] = (
            ("closures", self.closures),
            ("openings", self.openings),
        )
        for key, items in entries:
            for number, item in enumerate(items):
                for place, code in enumerate(item.departments or ()):
                    if departments is not None and code not in departments:
                        raise reference_error(
                            (key, number, "departments", place),
                            f"unknown department {code} (not in calendars.yaml departments)",
                        )
                for place, name in enumerate(item.calendars or ()):
                    if calendars is not None and name not in calendars:
                        raise reference_error(
                            (key, number, "calendars", place),
                            f"unknown calendar {name} (not in calendars.yaml)",
                        )
        return self


def _known_departments(info: ValidationInfo) -> Collection[str] | None:
    context = info.context or {}
    known: Collection[str] | None = context.get("known_departments")
    return known
