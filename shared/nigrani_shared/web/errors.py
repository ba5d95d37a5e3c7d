"""Turns validation failures into 422s that name the field and the reason.

Pydantic's default error body echoes the rejected input, which may be a phone number or a
name; ours never does.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

logger = logging.getLogger(__name__)


class FieldError(BaseModel):
    field: str
    reason: str


class ErrorBody(BaseModel):
    detail: str
    errors: list[FieldError] = []


def error_response(
    status_code: int, detail: str, errors: list[FieldError] | None = None
) -> JSONResponse:
    body = ErrorBody(detail=detail, errors=errors or [])
    return JSONResponse(body.model_dump(), status_code=status_code)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        FieldError(field=".".join(str(part) for part in error["loc"]), reason=error["msg"])
        for error in exc.errors()
    ]
    return error_response(422, "the request is not valid", errors)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    """A bug, not bad input: logged with its request id, answered without internals."""
    logger.error("unhandled error", exc_info=exc)
    return error_response(500, "internal error; it has been logged")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
