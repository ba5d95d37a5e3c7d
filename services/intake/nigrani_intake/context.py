"""Everything intake's request handlers need, built once in the lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from nigrani_intake.catalog.departments import Departments
from nigrani_intake.catalog.districts import Districts
from nigrani_intake.catalog.service import Catalog
from nigrani_intake.contacts.service import ContactService
from nigrani_intake.followup.access import CitizenAccess
from nigrani_intake.followup.service import FollowUpService
from nigrani_intake.notifications.service import NotificationsService
from nigrani_intake.submissions.service import SubmissionService
from nigrani_intake.submissions.status_cache import PublicStatus


@dataclass(frozen=True)
class IntakeContext:
    catalog: Catalog
    districts: Districts
    departments: Departments
    submissions: SubmissionService
    contacts: ContactService
    internal_api_token: str | None
    public_status: PublicStatus
    citizen_access: CitizenAccess
    followup: FollowUpService
    notifications: NotificationsService
