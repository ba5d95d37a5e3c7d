"""Maps intake's domain errors and store outages onto HTTP answers."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from nigrani_shared.web.errors import FieldError, error_response
from pymongo.errors import ConnectionFailure, ServerSelectionTimeoutError

from nigrani_intake.submissions.errors import SubmissionRejectedError, TrackingCodeExhaustedError

logger = logging.getLogger(__name__)


async def _rejected(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SubmissionRejectedError)
    return error_response(
        422, "the request is not valid", [FieldError(field=exc.field, reason=exc.reason)]
    )


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    logger.error("store unavailable", extra={"error_type": type(exc).__name__})
    response = error_response(
        503, "temporarily unable to accept requests; nothing was stored, retry"
    )
    response.headers["Retry-After"] = "5"
    return response


def install_intake_errors(app: FastAPI) -> None:
    app.add_exception_handler(SubmissionRejectedError, _rejected)
    for error in (TrackingCodeExhaustedError, ConnectionFailure, ServerSelectionTimeoutError):
        app.add_exception_handler(error, _unavailable)
