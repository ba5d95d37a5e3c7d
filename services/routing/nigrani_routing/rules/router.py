"""POST /admin/v1/rules/reload: puts edited rules and areas files in force, or says why not."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from nigrani_shared.web.errors import ErrorBody
from pydantic import BaseModel

from nigrani_routing.dependencies import RulesHolderDep, require_admin
from nigrani_routing.rules.errors import RulesError

router = APIRouter(prefix="/admin/v1/rules", tags=["admin"], dependencies=[Depends(require_admin)])


class ReloadRefused(ErrorBody):
    version_in_force: str


class Reloaded(BaseModel):
    version: str
    previous_version: str


@router.post(
    "/reload",
    response_model=Reloaded,
    responses={401: {"model": ErrorBody}, 404: {"model": ErrorBody}, 422: {"model": ReloadRefused}},
)
async def reload_rules(holder: RulesHolderDep) -> Response:
    previous = holder.current.version
    try:
        book = await holder.reload_in_thread()
    except RulesError as error:
        body = ReloadRefused(detail=error.message, version_in_force=holder.current.version)
        return JSONResponse(body.model_dump(exclude_none=True), status_code=422)
    reloaded = Reloaded(version=book.version, previous_version=previous)
    return JSONResponse(reloaded.model_dump())
