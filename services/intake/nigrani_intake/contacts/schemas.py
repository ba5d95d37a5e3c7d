"""What the erasure and the internal look-up answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from nigrani_intake.submissions.schemas import ContactIn


class ErasureDone(BaseModel):
    tracking_code: str
    contact_erased_at: datetime
    detail: str


class ContactInternal(BaseModel):
    """For services that must reach the citizen; never served publicly."""

    request_id: str
    contact: ContactIn | None
    erased: bool
