"""GET /v1/departments: who can own a request (public, no personal data)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from nigrani_routing.dependencies import RulesHolderDep

router = APIRouter(prefix="/v1", tags=["departments"])


class DepartmentPublic(BaseModel):
    code: str
    name: str


@router.get("/departments")
async def list_departments(holder: RulesHolderDep) -> list[DepartmentPublic]:
    rules = holder.current.rules
    return [DepartmentPublic(code=d.code, name=d.name) for d in (*rules.departments, rules.triage)]
