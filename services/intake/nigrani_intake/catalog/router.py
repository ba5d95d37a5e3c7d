"""GET /v1/services: the catalog, in English and Urdu."""

from __future__ import annotations

from fastapi import APIRouter

from nigrani_intake.catalog.departments import Department
from nigrani_intake.catalog.districts import District
from nigrani_intake.catalog.schemas import CategoryPublic
from nigrani_intake.dependencies import CatalogDep, DepartmentsDep, DistrictsDep

router = APIRouter(prefix="/v1/services", tags=["catalog"])


@router.get("", response_model=list[CategoryPublic])
async def list_services(catalog: CatalogDep) -> list[CategoryPublic]:
    return [CategoryPublic.model_validate(c.model_dump()) for c in catalog.all()]


districts_router = APIRouter(prefix="/v1/districts", tags=["catalog"])


@districts_router.get("", response_model=list[District])
async def list_districts(districts: DistrictsDep) -> list[District]:
    """Districts a request can name (English, Urdu, other spellings); any other text is
    accepted but kept private and not used for routing."""
    return districts.all()


departments_router = APIRouter(prefix="/v1/departments", tags=["catalog"])


@departments_router.get("", response_model=list[Department])
async def list_departments(departments: DepartmentsDep) -> list[Department]:
    """Departments a complaint can name as the one it concerns (`concerns_department`)."""
    return departments.all()
