"""FastAPI dependency aliases for routing's routes."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from nigrani_routing.rules.holder import RulesHolder


async def _holder(request: Request) -> RulesHolder:
    holder: RulesHolder = request.app.state.rules_holder
    return holder


async def require_admin(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> None:
    """Admin endpoints exist only where ADMIN_API_TOKEN is set: without it they answer 404,
    so an unconfigured deployment shows no admin surface at all; with it, a missing or
    wrong bearer token is a 401 (as intake's internal endpoints)."""
    expected: str | None = request.app.state.admin_api_token
    if expected is None:
        raise HTTPException(404, "Not Found")
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(
            401, "admin endpoint: a valid token is required", headers={"WWW-Authenticate": "Bearer"}
        )


RulesHolderDep = Annotated[RulesHolder, Depends(_holder)]
