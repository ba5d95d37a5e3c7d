"""recipients.yaml as validated at start-up: who holds which role in which department, how
to reach them, and each department's time zone and SMS quiet hours.

A person's contact is written once, under `staff`, and roles name staff ids, so changing
an officer's phone is one edit. Times are quoted "HH:MM" strings: YAML 1.1 reads an
unquoted 22:00 as the number 1320 (and 07:00 as text), so a number is refused with that
explanation rather than guessed at. Cross-references (a role naming an unknown staff id, a
department the routing rules do not know) raise `reference_error` so the loader can name
their line.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import time
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nigrani_shared.config_files.errors import ConfigFileError
from nigrani_shared.config_files.loading import reference_error
from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationInfo, model_validator

from nigrani_notify.local_time import QuietHours
from nigrani_notify.messages import Language

DEFAULT_TIME_ZONE = "Asia/Karachi"
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

# Staff ids are the identity provider's subjects (`sub`), as staff tokens carry them.
StaffId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@:|-]{0,255}$")]
DepartmentCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
RoleName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
Phone = Annotated[str, Field(pattern=r"^\+[1-9]\d{7,14}$")]  # E.164


class RecipientsConfigError(ConfigFileError):
    """recipients.yaml was refused; the message names the file, the line and the problem."""


def _clock(value: object) -> time:
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(
            f'{value} is a number: write the time in quotes, like "22:00" '
            "(YAML reads an unquoted 22:00 as a number)"
        )
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f'{value!r} is not a time like "22:00" (24-hour HH:MM)')
    return time(int(match.group(1)), int(match.group(2)))


def _zone(value: object) -> ZoneInfo:
    if isinstance(value, ZoneInfo):
        return value
    if isinstance(value, str):
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise ValueError(f"{value!r} is not an IANA time zone like {DEFAULT_TIME_ZONE}")


Clock = Annotated[time, PlainValidator(_clock)]
Zone = Annotated[ZoneInfo, PlainValidator(_zone)]


class QuietHoursSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    start: Clock
    end: Clock

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHoursSpec:
        if self.start == self.end:
            raise ValueError("quiet hours must start and end at different times")
        return self

    def quiet_hours(self) -> QuietHours:
        return QuietHours(self.start, self.end)


class StaffSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    email: Email | None = None
    phone: Phone | None = None
    language: Language = "en"

    @model_validator(mode="after")
    def _reachable(self) -> StaffSpec:
        if self.email is None and self.phone is None:
            raise ValueError("a staff entry needs an email or a phone")
        return self


class DepartmentSpec(BaseModel):
    """`quiet_hours` left out takes the file's default; `quiet_hours: null` means none."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    time_zone: Zone | None = None
    quiet_hours: QuietHoursSpec | None = None
    roles: dict[RoleName, tuple[StaffId, ...]] = {}

    @property
    def sets_quiet_hours(self) -> bool:
        return "quiet_hours" in self.model_fields_set


class RecipientsFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    time_zone: Zone = Field(default_factory=lambda: ZoneInfo(DEFAULT_TIME_ZONE))
    quiet_hours: QuietHoursSpec | None = None
    staff: dict[StaffId, StaffSpec] = {}
    departments: dict[DepartmentCode, DepartmentSpec] = {}

    @model_validator(mode="after")
    def _references_resolve(self, info: ValidationInfo) -> RecipientsFile:
        known: Collection[str] | None = (info.context or {}).get("known_departments")
        for code, department in self.departments.items():
            if known is not None and code not in known:
                raise reference_error(
                    ("departments", code), f"department {code} is not in the routing rules"
                )
            for role, staff_ids in department.roles.items():
                seen: set[str] = set()
                for index, staff_id in enumerate(staff_ids):
                    where = ("departments", code, "roles", role, index)
                    if staff_id not in self.staff:
                        raise reference_error(
                            where, f"{code} {role}: staff id {staff_id} is not under staff"
                        )
                    if staff_id in seen:
                        raise reference_error(where, f"{code} {role}: {staff_id} is listed twice")
                    seen.add(staff_id)
        return self
