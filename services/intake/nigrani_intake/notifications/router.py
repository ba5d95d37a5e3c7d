"""GET /internal/v1/requests/{code}/notifications: how every delivery about a request
ended (citizen, staff and subscribers), for staff services holding the internal token."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Response
from nigrani_shared.web.errors import ErrorBody

from nigrani_intake.dependencies import (
    NOT_FOUND,
    NotificationsDep,
    TrackingCode,
    require_internal_caller,
)
from nigrani_intake.notifications.schemas import RequestNotifications

internal_router = APIRouter(
    prefix="/internal/v1/requests",
    tags=["internal"],
    dependencies=[Depends(require_internal_caller)],
)


@internal_router.get("/{tracking_code}/notifications", responses={404: {"model": ErrorBody}})
async def notifications_of(
    code: TrackingCode, notifications: NotificationsDep, response: Response
) -> RequestNotifications:
    found = await notifications.of(code)
    if found is None:
        raise HTTPException(404, NOT_FOUND)
    response.headers["Cache-Control"] = "no-store"
    return found
