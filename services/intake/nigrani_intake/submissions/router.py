"""POST /v1/requests and GET /v1/requests/{tracking_code}."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Response
from nigrani_shared.web.errors import ErrorBody
from nigrani_shared.web.idempotency import IdempotencyKey
from nigrani_shared.web.ratelimit import rate_limited

from nigrani_intake.dependencies import (
    NOT_FOUND,
    PublicStatusDep,
    SubmissionsDep,
    TrackingCode,
)
from nigrani_intake.submissions.schemas import RequestAccepted, RequestCreate, RequestPublic

router = APIRouter(prefix="/v1/requests", tags=["requests"])


@router.post(
    "",
    status_code=201,
    responses={413: {"model": ErrorBody}, 422: {"model": ErrorBody}, 503: {"model": ErrorBody}},
    dependencies=[Depends(rate_limited("submit"))],
)
async def submit_request(
    body: RequestCreate,
    submissions: SubmissionsDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> RequestAccepted:
    outcome = await submissions.submit(body, idempotency_key)
    response.headers["Location"] = f"/v1/requests/{outcome.accepted.tracking_code}"
    response.headers["Cache-Control"] = "no-store"
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return outcome.accepted


@router.get(
    "/{tracking_code}",
    response_model=RequestPublic,
    responses={404: {"model": ErrorBody}},
    dependencies=[Depends(rate_limited("lookup"))],
)
async def get_request(code: TrackingCode, public_status: PublicStatusDep) -> Response:
    body = await public_status.get(code)  # encoded JSON, cached for about a second
    if body is None:
        raise HTTPException(404, NOT_FOUND)
    return Response(body, media_type="application/json", headers=public_status.headers)
