"""The public view of a request: what anyone holding the tracking code may see.

Built field by field from an allow-list, never by copying the document and removing
things, so a field added to the document later cannot leak. Never shown: description,
name, phone, e-mail, coordinates; for sensitive categories not even the address or the
department the complaint concerns.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nigrani_shared.store.client import Document

from nigrani_intake.catalog.service import Catalog
from nigrani_intake.submissions.schemas import (
    CategoryRef,
    DepartmentPublic,
    RequestPublic,
    TimelineEntryPublic,
)

#: The only statuses and texts the public ever sees. A status recorded by a newer event
#: type that this list does not know yet is shown as a neutral update, never verbatim.
_STATUS_TEXT = {"submitted": "Submitted", "routed": "Routed to {department_name}"}
_UNLISTED_STATUS = "updated"
_UNLISTED_TEXT = "Updated"


def to_public_view(request: Document, catalog: Catalog) -> RequestPublic:
    entries = sorted(request.get("timeline", {}).values(), key=_entry_order)
    latest = entries[-1]
    category = catalog.get(request["category"])
    location: dict[str, Any] = request.get("location") or {}
    sensitive = bool(request.get("sensitive"))
    return RequestPublic(
        tracking_code=request["_id"],
        status=_public_status(latest),
        status_text=_describe(latest),
        category=CategoryRef(
            code=request["category"],
            name_en=category.name_en if category else request["category"],
            name_ur=category.name_ur if category else request["category"],
        ),
        department=_department(entries),
        district=location.get("district"),
        address=None if sensitive else location.get("address"),
        # Whom a sensitive complaint accuses is the complainant's business and oversight's.
        concerns_department=None if sensitive else request.get("concerns_department"),
        submitted_at=request["submitted_at"],
        timeline=[
            TimelineEntryPublic(status=_public_status(e), at=e["at"], detail=_describe(e))
            for e in entries
        ],
    )


def _entry_order(entry: dict[str, Any]) -> datetime:
    at: datetime = entry["at"]
    return at


def _public_status(entry: dict[str, Any]) -> str:
    status = entry.get("status")
    return status if isinstance(status, str) and status in _STATUS_TEXT else _UNLISTED_STATUS


def _describe(entry: dict[str, Any]) -> str:
    template = _STATUS_TEXT.get(_public_status(entry), _UNLISTED_TEXT)
    return template.format(department_name=entry.get("department_name", ""))


def _department(entries: list[dict[str, Any]]) -> DepartmentPublic | None:
    routed = [e for e in entries if e["status"] == "routed"]
    if not routed:
        return None
    return DepartmentPublic(code=routed[-1]["department_code"], name=routed[-1]["department_name"])
