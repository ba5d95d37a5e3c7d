"""Turns validation failures into 422s that name the field and the reason.

Pydantic's default error body echoes the rejected input, which may be a phone number or a
name; ours never does. It is also bounded: a body of 5,000 unknown keys gets the first few
errors and a count of the rest, and a key is named only when it looks like a field name,
so neither a long key nor personal data typed as a key comes back.
"""

from __future__ import annotations

import logging
import re
import typing
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from pydantic_core.core_schema import ErrorType
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)

MAX_ERRORS = 20
MAX_FIELD_DEPTH = 8
MAX_REASON_LENGTH = 200
HIDDEN_NAME = "<name not shown>"
UNKNOWN_FIELD = "<unknown field>"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_PYDANTIC_TYPES = frozenset(typing.get_args(ErrorType))
# Built-in messages that state the rule (a limit, a type, the allowed values) and never
# the input. Others ("Input tag 'x' found...", "Invalid JSON: <details>", date parsing
# details) may quote what was sent, so they get a generic reason naming the error type.
_RULE_MESSAGES = frozenset(
    {
        "missing",
        "extra_forbidden",
        "frozen_field",
        "model_type",
        "model_attributes_type",
        "none_required",
        "greater_than",
        "greater_than_equal",
        "less_than",
        "less_than_equal",
        "multiple_of",
        "finite_number",
        "too_short",
        "too_long",
        "string_type",
        "string_unicode",
        "string_too_short",
        "string_too_long",
        "string_pattern_mismatch",
        "string_not_ascii",
        "enum",
        "literal_error",
        "dict_type",
        "list_type",
        "tuple_type",
        "set_type",
        "bool_type",
        "bool_parsing",
        "int_type",
        "int_parsing",
        "int_parsing_size",
        "int_from_float",
        "float_type",
        "float_parsing",
        "bytes_type",
        "date_type",
        "datetime_type",
        "timezone_naive",
        "timezone_aware",
        "uuid_type",
        "url_type",
        "url_too_long",
        "json_type",
    }
)
# A short input is allowed to appear in a message by chance ("x" in "text"); from this
# length on, a message that contains the input is taken to be quoting it.
_ECHO_MIN_LENGTH = 4


class FieldError(BaseModel):
    field: str
    reason: str


class ErrorBody(BaseModel):
    detail: str
    errors: list[FieldError] = []
    more_errors: int | None = Field(
        default=None,
        description="Present when more errors were found than listed: how many more.",
    )


def error_response(
    status_code: int,
    detail: str,
    errors: list[FieldError] | None = None,
    more_errors: int | None = None,
) -> JSONResponse:
    body = ErrorBody(detail=detail, errors=errors or [], more_errors=more_errors)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status_code)


def field_name(location: Sequence[Any], *, submitted_key: bool = False) -> str:
    """The dotted path of a field. A key the client made up (an unknown field) is never
    shown, whatever it looks like: `ayesha_khan_03001234567` is a plain name too."""
    parts = [
        str(part) if isinstance(part, int) or _SAFE_NAME.match(str(part)) else HIDDEN_NAME
        for part in location[:MAX_FIELD_DEPTH]
    ]
    if submitted_key and parts and len(location) <= MAX_FIELD_DEPTH:
        parts[-1] = UNKNOWN_FIELD
    return ".".join(parts)


def _echoes(message: str, value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return False
    text = str(value)
    return len(text) >= _ECHO_MIN_LENGTH and text in message


def reason(error: Mapping[str, Any]) -> str:
    """The error's message when it cannot quote the input, else a generic reason.

    Messages of our own error types and `ValueError`s are written by us to state the rule;
    they are still checked, because a validator can wrap a library error that quotes."""
    kind = str(error.get("type", "value_error"))
    message = str(error.get("msg", ""))
    trusted = kind in _RULE_MESSAGES or kind == "value_error" or kind not in _PYDANTIC_TYPES
    if not trusted or not message or _echoes(message, error.get("input")):
        message = f"is not valid ({kind})"
    if len(message) > MAX_REASON_LENGTH:
        message = message[: MAX_REASON_LENGTH - 1] + "…"
    return message


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    found = exc.errors()
    errors = [
        FieldError(
            field=field_name(error["loc"], submitted_key=error.get("type") == "extra_forbidden"),
            reason=reason(error),
        )
        for error in found[:MAX_ERRORS]
    ]
    omitted = len(found) - MAX_ERRORS
    return error_response(
        422, "the request is not valid", errors, more_errors=omitted if omitted > 0 else None
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    """404s, 403s and the 400 of an unparsable body in the same shape as every other error."""
    assert isinstance(exc, StarletteHTTPException)
    response = error_response(exc.status_code, str(exc.detail))
    response.headers.update(exc.headers or {})
    return response


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    """A bug, not bad input: logged with its request id, answered without internals."""
    logger.error("unhandled error", exc_info=exc)
    return error_response(500, "internal error; it has been logged")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
