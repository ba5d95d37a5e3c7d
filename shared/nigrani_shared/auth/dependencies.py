"""FastAPI dependencies: who is calling (`CurrentStaff`) and may they (`require_role`).

The app factory stores a `TokenVerifier` on `app.state` (`set_token_verifier`); the
dependencies read it from there, so a test can install a verifier of its own.

Every failed token gets the same 401 ("invalid or expired token"), so a caller cannot
probe which check failed; the reason goes to the log as a fixed label, the token never.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from nigrani_shared.auth.errors import InvalidStaffToken
from nigrani_shared.auth.identity import Role, StaffIdentity
from nigrani_shared.auth.verifier import TokenVerifier

logger = logging.getLogger(__name__)

DETAIL_MISSING = "a staff bearer token is required"
DETAIL_INVALID = "invalid or expired token"
DETAIL_FORBIDDEN = "your role does not allow this"

# auto_error=False: we answer a missing token ourselves, with 401 and our error body.
# The scheme still puts the "Authorize" button for bearer tokens in /docs.
_bearer = HTTPBearer(auto_error=False, description="A staff JWT (see the README).")


def set_token_verifier(app: FastAPI, verifier: TokenVerifier) -> None:
    app.state.staff_token_verifier = verifier


async def _verifier(request: Request) -> TokenVerifier:
    verifier: TokenVerifier = request.app.state.staff_token_verifier
    return verifier


async def current_staff(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    verifier: Annotated[TokenVerifier, Depends(_verifier)],
) -> StaffIdentity:
    if credentials is None:
        raise HTTPException(401, DETAIL_MISSING, headers={"WWW-Authenticate": "Bearer"})
    try:
        return verifier.verify(credentials.credentials)
    except InvalidStaffToken as exc:
        logger.info("staff token refused", extra={"reason": exc.reason})
        raise HTTPException(
            401, DETAIL_INVALID, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
        ) from None


CurrentStaff = Annotated[StaffIdentity, Depends(current_staff)]


def require_role(*roles: Role) -> Callable[[StaffIdentity], Awaitable[StaffIdentity]]:
    """A dependency that lets through staff holding any one of `roles`, else 403."""
    if not roles:
        raise ValueError("require_role needs at least one role")
    allowed = frozenset(roles)

    async def _require(staff: CurrentStaff) -> StaffIdentity:
        if not staff.has_any_role(allowed):
            raise HTTPException(403, DETAIL_FORBIDDEN)
        return staff

    return _require
