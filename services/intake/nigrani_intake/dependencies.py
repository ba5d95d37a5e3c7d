"""FastAPI dependency aliases; routers declare what they need and stay a few lines long.

The providers are `async def` although they do not await: FastAPI runs a plain `def`
dependency in its thread pool, a thread hop that cost about 0.3 ms per request (most of a
cached status GET)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from nigrani_shared.store.client import Document

from nigrani_intake.catalog.departments import Departments
from nigrani_intake.catalog.districts import Districts
from nigrani_intake.catalog.service import Catalog
from nigrani_intake.contacts.service import ContactService
from nigrani_intake.context import IntakeContext
from nigrani_intake.followup.service import FollowUpService
from nigrani_intake.notifications.service import NotificationsService
from nigrani_intake.submissions.service import SubmissionService
from nigrani_intake.submissions.status_cache import PublicStatus
from nigrani_intake.submissions.tracking_code import normalise_tracking_code

#: The one answer for a code we do not know, and for a citizen token that is not its own.
NOT_FOUND = "no request has this tracking code"


def _context(request: Request) -> IntakeContext:
    context: IntakeContext = request.app.state.context
    return context


async def _catalog(request: Request) -> Catalog:
    return _context(request).catalog


async def _submissions(request: Request) -> SubmissionService:
    return _context(request).submissions


async def _contacts(request: Request) -> ContactService:
    return _context(request).contacts


def require_internal_caller(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> None:
    """Internal endpoints answer only a service holding INTERNAL_API_TOKEN (Bearer)."""
    expected = _context(request).internal_api_token
    scheme, _, given = (authorization or "").partition(" ")
    if (
        expected is None
        or scheme.lower() != "bearer"
        or not hmac.compare_digest(given.encode(), expected.encode())
    ):
        raise HTTPException(
            401,
            "internal endpoint: a valid service token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )


async def _public_status(request: Request) -> PublicStatus:
    return _context(request).public_status


async def _districts(request: Request) -> Districts:
    return _context(request).districts


DistrictsDep = Annotated[Districts, Depends(_districts)]


async def _departments(request: Request) -> Departments:
    return _context(request).departments


DepartmentsDep = Annotated[Departments, Depends(_departments)]


async def _tracking_code(tracking_code: str) -> str:
    """The path's tracking code in canonical form, read forgivingly; a typo is a 404."""
    code = normalise_tracking_code(tracking_code)
    if code is None:
        raise HTTPException(404, "this is not a valid tracking code: check it for a typo")
    return code


TrackingCode = Annotated[str, Depends(_tracking_code)]

CitizenToken = Annotated[
    str,
    Header(
        alias="X-Citizen-Token",
        min_length=16,
        max_length=100,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The citizen token given once with the tracking code.",
    ),
]


async def _citizen_request(code: TrackingCode, token: CitizenToken, request: Request) -> Document:
    """The request, if the citizen token is its own. A wrong token is answered exactly as an
    unknown code (same status, body and headers), so the answer tells a guesser nothing."""
    found = await _context(request).citizen_access.owned_request(code, token)
    if found is None:
        raise HTTPException(404, NOT_FOUND)
    return found


async def _followup(request: Request) -> FollowUpService:
    return _context(request).followup


async def _notifications(request: Request) -> NotificationsService:
    return _context(request).notifications


#: The stored request of the citizen holding its token (routes also declare the `token`
#: rate limit, which FastAPI runs first, so guesses are counted before the store is read).
CitizenRequest = Annotated[Document, Depends(_citizen_request)]
FollowUpDep = Annotated[FollowUpService, Depends(_followup)]
NotificationsDep = Annotated[NotificationsService, Depends(_notifications)]
CatalogDep = Annotated[Catalog, Depends(_catalog)]
SubmissionsDep = Annotated[SubmissionService, Depends(_submissions)]
ContactsDep = Annotated[ContactService, Depends(_contacts)]
PublicStatusDep = Annotated[PublicStatus, Depends(_public_status)]
