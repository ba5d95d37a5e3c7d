"""What a citizen sends (RequestCreate), what they get back once (RequestAccepted), and what
anyone holding the tracking code may see (RequestPublic: no personal data, ever)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from nigrani_shared.text import multi_line, single_line
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from nigrani_intake.catalog.departments import CODE_PATTERN as DEPARTMENT_CODE

_PHONE = re.compile(r"^\+?[0-9]{7,15}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")

Text = Annotated[str, StringConstraints(strip_whitespace=True)]
# Every text field refuses control and invisible formatting characters and is stored NFC
# (see text.py); lengths are checked first, on the text as typed.
Line = AfterValidator(single_line)
Lines = AfterValidator(multi_line)


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class LocationIn(StrictModel):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    address: Annotated[Text, StringConstraints(min_length=1, max_length=300), Line] | None = None
    district: Annotated[Text, StringConstraints(min_length=1, max_length=64), Line] | None = None


class ContactIn(StrictModel):
    name: Annotated[Text, StringConstraints(min_length=1, max_length=100), Line] | None = None
    phone: Annotated[str, StringConstraints(max_length=40), Line] | None = None
    email: Annotated[Text, StringConstraints(max_length=254), Line] | None = None
    language: Literal["en", "ur"] = "en"

    @field_validator("phone")
    @classmethod
    def _phone_digits(cls, value: str | None) -> str | None:
        if value is None:
            return None
        compact = re.sub(r"[\s()-]", "", value)
        if not _PHONE.match(compact):
            raise ValueError("phone must be 7 to 15 digits, optionally starting with +")
        return compact

    @field_validator("email")
    @classmethod
    def _email_shape(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("email must look like name@example.org")
        return value


Channel = Literal["web", "mobile", "phone", "sms", "open311", "walk_in"]


class RequestCreate(StrictModel):
    category: Annotated[Text, StringConstraints(min_length=1, max_length=64), Line]
    description: Annotated[Text, StringConstraints(min_length=1, max_length=4000), Lines]
    location: LocationIn | None = None
    contact: ContactIn | None = None
    channel: Channel = "web"
    concerns_department: Annotated[str, StringConstraints(pattern=DEPARTMENT_CODE)] | None = Field(
        default=None,
        description="The department a complaint is about (GET /v1/departments); a complaint "
        "in a sensitive category is then never routed to it.",
    )


class RequestAccepted(BaseModel):
    tracking_code: str
    citizen_token: str = Field(description="Shown once. Keep it: it proves the request is yours.")
    status: str
    submitted_at: datetime


class DepartmentPublic(BaseModel):
    code: str
    name: str


class EscalationPublic(BaseModel):
    level: int = Field(description="1, 2, 3...: how far up the ladder the case has moved.")
    role: str = Field(
        description="The office now responsible: supervisor, head_of_department, "
        "oversight, or higher_office for a role this version does not name."
    )


class TimelineEntryPublic(BaseModel):
    status: str
    at: datetime
    detail: str
    escalation: EscalationPublic | None = Field(
        default=None,
        description="Set when the case moved up the escalation ladder because it was late.",
    )


class CategoryRef(BaseModel):
    code: str
    name_en: str
    name_ur: str


class RequestPublic(BaseModel):
    tracking_code: str
    status: str
    status_text: str
    category: CategoryRef
    department: DepartmentPublic | None
    district: str | None
    address: str | None
    concerns_department: str | None = Field(
        description="The department the request is about; never shown for sensitive categories."
    )
    submitted_at: datetime
    due_at: datetime | None = Field(
        description="When the request is due to be resolved, as the service-level target "
        "says; null before a target is set, while paused, and once the request has ended."
    )
    first_response_due_at: datetime | None = Field(
        description="When the department is due to respond first, while that target stands."
    )
    paused: bool = Field(
        description="The clock is stopped while the department waits for information from "
        "the citizen."
    )
    overdue: bool = Field(description="An open request whose resolution due time has passed.")
    overdue_by_seconds: int | None = Field(
        description="Wall-clock seconds since the resolution due time, for an overdue open "
        "request (as of the response; while paused, as of the pause)."
    )
    timeline: list[TimelineEntryPublic]
