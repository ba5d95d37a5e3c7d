"""DELETE /v1/requests/{code}/contact (the citizen erases their contact details) and
GET /internal/v1/requests/{code}/contact (services that must reach the citizen)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Response
from nigrani_shared.web.errors import ErrorBody
from nigrani_shared.web.ratelimit import rate_limited

from nigrani_intake.contacts.schemas import ContactInternal, ErasureDone
from nigrani_intake.contacts.service import UnknownRequestError, WrongTokenError
from nigrani_intake.dependencies import ContactsDep, TrackingCode, require_internal_caller

public_router = APIRouter(prefix="/v1/requests", tags=["requests"])
internal_router = APIRouter(
    prefix="/internal/v1/requests",
    tags=["internal"],
    dependencies=[Depends(require_internal_caller)],
)

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
_NOT_FOUND = "no request has this tracking code"


@public_router.delete(
    "/{tracking_code}/contact",
    responses={403: {"model": ErrorBody}, 404: {"model": ErrorBody}, 429: {"model": ErrorBody}},
    dependencies=[Depends(rate_limited("token"))],
)
async def erase_contact(
    code: TrackingCode, token: CitizenToken, contacts: ContactsDep, response: Response
) -> ErasureDone:
    try:
        erasure = await contacts.erase(code, token)
    except UnknownRequestError:
        raise HTTPException(404, _NOT_FOUND) from None
    except WrongTokenError:
        raise HTTPException(403, "this citizen token does not belong to this request") from None
    response.headers["Cache-Control"] = "no-store"
    return ErasureDone(
        tracking_code=code,
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
        raise HTTPException(404, _NOT_FOUND) from None
    response.headers["Cache-Control"] = "no-store"
    return ContactInternal.model_validate(found)
