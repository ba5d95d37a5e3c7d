"""DELETE /v1/requests/{code}/contact (the citizen erases their contact details) and
GET /internal/v1/requests/{code}/contact (services that must reach the citizen)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Response
from nigrani_shared.web.errors import ErrorBody
from nigrani_shared.web.ratelimit import rate_limited

from nigrani_intake.contacts.schemas import ContactInternal, ErasureDone
from nigrani_intake.contacts.service import UnknownRequestError
from nigrani_intake.dependencies import (
    NOT_FOUND,
    CitizenRequest,
    ContactsDep,
    TrackingCode,
    require_internal_caller,
)

public_router = APIRouter(prefix="/v1/requests", tags=["requests"])
internal_router = APIRouter(
    prefix="/internal/v1/requests",
    tags=["internal"],
    dependencies=[Depends(require_internal_caller)],
)


@public_router.delete(
    "/{tracking_code}/contact",
    responses={404: {"model": ErrorBody}, 429: {"model": ErrorBody}},
    dependencies=[Depends(rate_limited("token"))],
)
async def erase_contact(
    request: CitizenRequest, contacts: ContactsDep, response: Response
) -> ErasureDone:
    """A wrong citizen token is answered as an unknown code (404)."""
    erasure = await contacts.erase(request)
    response.headers["Cache-Control"] = "no-store"
    return ErasureDone(
        tracking_code=request["_id"],
        contact_erased_at=erasure.erased_at,
        detail=(
            "your contact details were already erased"
            if erasure.already_erased
            else "your contact details are erased; the request and its timeline remain"
        ),
    )


@internal_router.get("/{tracking_code}/contact", responses={404: {"model": ErrorBody}})
async def contact_of(
    code: TrackingCode, contacts: ContactsDep, response: Response
) -> ContactInternal:
    try:
        found = await contacts.contact_of(code)
    except UnknownRequestError:
        raise HTTPException(404, NOT_FOUND) from None
    response.headers["Cache-Control"] = "no-store"
    return ContactInternal.model_validate(found)
