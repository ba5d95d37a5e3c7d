"""GET /v1/services: the catalog, in English and Urdu."""

from __future__ import annotations

from fastapi import APIRouter

from nigrani_intake.catalog.schemas import CategoryPublic
from nigrani_intake.dependencies import CatalogDep

router = APIRouter(prefix="/v1/services", tags=["catalog"])


@router.get("", response_model=list[CategoryPublic])
async def list_services(catalog: CatalogDep) -> list[CategoryPublic]:
    return [CategoryPublic.model_validate(c.model_dump()) for c in catalog.all()]
