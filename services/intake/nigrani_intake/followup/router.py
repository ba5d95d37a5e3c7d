"""The citizen's follow-up, with the tracking code and the X-Citizen-Token header:
GET /v1/requests/{code}/private and POST .../information, .../confirmation, .../dispute,
.../reopen; and GET /internal/v1/requests/{code}/messages/{id} for staff services."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Response
from nigrani_shared.web.errors import ErrorBody
from nigrani_shared.web.idempotency import IdempotencyKey
from nigrani_shared.web.ratelimit import rate_limited

from nigrani_intake.dependencies import (
    NOT_FOUND,
    CitizenRequest,
    FollowUpDep,
    TrackingCode,
    require_internal_caller,
)
from nigrani_intake.followup.rules import CitizenAction
from nigrani_intake.followup.schemas import (
    ActionAccepted,
    ActionNotOpenBody,
    ConfirmationIn,
    MessageIn,
    MessageInternal,
    RequestPrivate,
)
from nigrani_intake.followup.service import ActionOutcome

router = APIRouter(prefix="/v1/requests", tags=["citizen follow-up"])
internal_router = APIRouter(
    prefix="/internal/v1/requests",
    tags=["internal"],
    dependencies=[Depends(require_internal_caller)],
)
_TOKEN_LIMIT = [Depends(rate_limited("token"))]
_VIEW_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody},
    429: {"model": ErrorBody},
}
_ACTION_RESPONSES: dict[int | str, dict[str, Any]] = {
    **_VIEW_RESPONSES,
    409: {"model": ActionNotOpenBody},
    422: {"model": ErrorBody},
    503: {"model": ErrorBody},
}
MessageId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/{tracking_code}/private", dependencies=_TOKEN_LIMIT, responses=_VIEW_RESPONSES)
async def private_view(
    request: CitizenRequest, followup: FollowUpDep, response: Response
) -> RequestPrivate:
    response.headers["Cache-Control"] = "no-store"
    return await followup.private_view(request)


@router.post(
    "/{tracking_code}/information",
    status_code=202,
    dependencies=_TOKEN_LIMIT,
    responses=_ACTION_RESPONSES,
)
async def add_information(
    body: MessageIn,
    request: CitizenRequest,
    followup: FollowUpDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ActionAccepted:
    return await _act(followup, request, "add_information", body.text, idempotency_key, response)


@router.post(
    "/{tracking_code}/confirmation",
    status_code=202,
    dependencies=_TOKEN_LIMIT,
    responses=_ACTION_RESPONSES,
)
async def confirm(
    body: ConfirmationIn,
    request: CitizenRequest,
    followup: FollowUpDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ActionAccepted:
    return await _act(followup, request, "confirm", None, idempotency_key, response)


@router.post(
    "/{tracking_code}/dispute",
    status_code=202,
    dependencies=_TOKEN_LIMIT,
    responses=_ACTION_RESPONSES,
)
async def dispute(
    body: MessageIn,
    request: CitizenRequest,
    followup: FollowUpDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ActionAccepted:
    return await _act(followup, request, "dispute", body.text, idempotency_key, response)


@router.post(
    "/{tracking_code}/reopen",
    status_code=202,
    dependencies=_TOKEN_LIMIT,
    responses=_ACTION_RESPONSES,
)
async def reopen(
    body: MessageIn,
    request: CitizenRequest,
    followup: FollowUpDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ActionAccepted:
    return await _act(followup, request, "reopen", body.text, idempotency_key, response)


async def _act(
    followup: FollowUpDep,
    request: CitizenRequest,
    action: CitizenAction,
    text: str | None,
    idempotency_key: str | None,
    response: Response,
) -> ActionAccepted:
    outcome: ActionOutcome = await followup.act(request, action, text, idempotency_key)
    response.headers["Cache-Control"] = "no-store"
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return outcome.accepted


@internal_router.get(
    "/{tracking_code}/messages/{message_id}", responses={404: {"model": ErrorBody}}
)
async def message_of(
    code: TrackingCode, message_id: MessageId, followup: FollowUpDep, response: Response
) -> MessageInternal:
    """What the citizen wrote with an action, for staff services (the event names it)."""
    found = await followup.message(code, message_id)
    if found is None:
        raise HTTPException(404, NOT_FOUND)
    response.headers["Cache-Control"] = "no-store"
    return found
