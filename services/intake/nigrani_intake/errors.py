"""Maps intake's domain errors and store outages onto HTTP answers.

A 503 tells the truth about what happened: when a write may have landed without our
seeing the answer, it says the outcome is unknown and gives the Idempotency-Key to retry
with (the server's own when the client sent none); a retry with it lands on the same
documents, so it can never make a second request.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from nigrani_shared.web.errors import ErrorBody, FieldError, error_response
from pymongo.errors import PyMongoError

from nigrani_intake.followup.schemas import ActionNotOpenBody, OpenActionOut
from nigrani_intake.followup.service import ActionNotOpenError
from nigrani_intake.submissions.errors import (
    OutcomeUnknownError,
    SubmissionRejectedError,
    TrackingCodeExhaustedError,
)

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = "5"


class OutcomeUnknownBody(ErrorBody):
    idempotency_key: str


async def _rejected(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SubmissionRejectedError)
    return error_response(
        422, "the request is not valid", [FieldError(field=exc.field, reason=exc.reason)]
    )


async def _outcome_unknown(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OutcomeUnknownError)
    logger.error("store did not answer during a submission; outcome unknown")
    body = OutcomeUnknownBody(
        detail=(
            "the store did not answer in time, so we cannot tell whether your request was "
            "stored. Retry with the same Idempotency-Key (given here): a retry never creates "
            "a second request, and answers with the tracking code if it was stored."
        ),
        idempotency_key=exc.idempotency_key,
    )
    headers = {
        "Retry-After": RETRY_AFTER_SECONDS,
        "Idempotency-Key": exc.idempotency_key,
        "Cache-Control": "no-store",
    }
    return JSONResponse(body.model_dump(exclude_none=True), status_code=503, headers=headers)


async def _exhausted(request: Request, exc: Exception) -> JSONResponse:
    logger.error("every candidate tracking code was taken")
    response = error_response(503, "temporarily unable to accept requests; nothing was accepted")
    response.headers["Retry-After"] = RETRY_AFTER_SECONDS
    return response


async def _not_open(request: Request, exc: Exception) -> JSONResponse:
    """The citizen asked for an action the case does not allow now: say what it allows."""
    assert isinstance(exc, ActionNotOpenError)
    body = ActionNotOpenBody(
        detail="this action is not open for the request now; open_actions lists what is",
        status=exc.state,
        open_actions=[OpenActionOut(action=o.action, until=o.until) for o in exc.opened],
    )
    return JSONResponse(
        body.model_dump(mode="json", exclude={"more_errors"}),
        status_code=409,
        headers={"Cache-Control": "no-store"},
    )


async def _store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """A read (or a write outside a submission) failed: nothing was accepted here."""
    logger.error("store unavailable", extra={"error_type": type(exc).__name__})
    response = error_response(503, "temporarily unavailable; retry shortly")
    response.headers["Retry-After"] = RETRY_AFTER_SECONDS
    return response


def install_intake_errors(app: FastAPI) -> None:
    app.add_exception_handler(SubmissionRejectedError, _rejected)
    app.add_exception_handler(OutcomeUnknownError, _outcome_unknown)
    app.add_exception_handler(TrackingCodeExhaustedError, _exhausted)
    app.add_exception_handler(ActionNotOpenError, _not_open)
    app.add_exception_handler(PyMongoError, _store_unavailable)
