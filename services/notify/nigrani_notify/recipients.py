"""Who is told about a department's work, how to reach them, and when an SMS may go.

Read from recipients.yaml at start-up (the packaged file is for development only; a
deployment supplies its own). Staff messages name a role in a department (the escalation
ladder's supervisor, dept_admin, oversight, or any role the file lists); the people
holding it come from here, never from events, so an address never enters a topic.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from nigrani_shared.config_files.loading import read_bytes, validate_yaml

from nigrani_notify import local_time
from nigrani_notify.local_time import QuietHours
from nigrani_notify.messages import Language
from nigrani_notify.recipients_file import RecipientsConfigError, RecipientsFile

DEFAULT_RECIPIENTS_PATH = Path(__file__).with_name("recipients.yaml")

__all__ = ["DEFAULT_RECIPIENTS_PATH", "Recipients", "RecipientsConfigError", "StaffContact"]


@dataclass(frozen=True)
class StaffContact:
    """One official's contact; the address and phone stay out of `repr` (and so out of a
    log line that prints the object by mistake)."""

    staff_id: str
    email: str | None = field(repr=False)
    phone: str | None = field(repr=False)
    language: Language


@dataclass(frozen=True)
class _Department:
    zone: ZoneInfo
    quiet: QuietHours | None
    roles: Mapping[str, tuple[str, ...]]


class Recipients:
    """The recipients file, looked up by staff id, by department and role, and by the
    department whose clock an SMS must respect. A department the file does not list gets
    the file's default zone and quiet hours, and nobody in any role."""

    def __init__(
        self,
        *,
        staff: Mapping[str, StaffContact],
        departments: Mapping[str, _Department],
        default_zone: ZoneInfo,
        default_quiet: QuietHours | None,
        version: str,
    ) -> None:
        self._staff = dict(staff)
        self._departments = dict(departments)
        self._default = _Department(default_zone, default_quiet, {})
        self.version = version

    @classmethod
    def load(
        cls, path: Path | None = None, *, known_departments: Collection[str] | None = None
    ) -> Recipients:
        """`known_departments` (routing's codes) refuses a department that does not exist,
        whose staff would otherwise never be told anything."""
        path = path or DEFAULT_RECIPIENTS_PATH
        raw = read_bytes(path, RecipientsConfigError)
        context = {"known_departments": known_departments}
        spec = validate_yaml(RecipientsFile, raw, path.name, RecipientsConfigError, context)
        default_quiet = spec.quiet_hours.quiet_hours() if spec.quiet_hours else None
        departments = {
            code: _Department(
                zone=department.time_zone or spec.time_zone,
                quiet=(
                    (department.quiet_hours.quiet_hours() if department.quiet_hours else None)
                    if department.sets_quiet_hours
                    else default_quiet
                ),
                roles=dict(department.roles),
            )
            for code, department in spec.departments.items()
        }
        staff = {
            staff_id: StaffContact(staff_id, entry.email, entry.phone, entry.language)
            for staff_id, entry in spec.staff.items()
        }
        return cls(
            staff=staff,
            departments=departments,
            default_zone=spec.time_zone,
            default_quiet=default_quiet,
            version=hashlib.sha256(raw).hexdigest()[:16],
        )

    def staff(self, staff_id: str) -> StaffContact | None:
        return self._staff.get(staff_id)

    def holding_role(self, department_code: str, role: str) -> list[StaffContact]:
        department = self._departments.get(department_code, self._default)
        return [self._staff[staff_id] for staff_id in department.roles.get(role, ())]

    def time_zone(self, department_code: str | None) -> ZoneInfo:
        return self._department(department_code).zone

    def quiet_hours(self, department_code: str | None) -> QuietHours | None:
        return self._department(department_code).quiet

    def sms_not_before(self, department_code: str | None, at: datetime) -> datetime:
        """`at` when it is outside the department's quiet hours, else the moment they end
        (deferred, never dropped). `None` (no department yet) takes the defaults."""
        department = self._department(department_code)
        return local_time.sms_not_before(department.quiet, department.zone, at)

    def _department(self, department_code: str | None) -> _Department:
        if department_code is None:
            return self._default
        return self._departments.get(department_code, self._default)
