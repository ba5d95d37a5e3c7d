"""Catalog models: one for the file, one for what the public API shows."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Category(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[a-z_]+\.[a-z_]+$")
    group: str
    name_en: str
    name_ur: str
    description: str
    anonymous: bool = False
    sensitive: bool = False


class CatalogFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    categories: list[Category]


class CategoryPublic(BaseModel):
    code: str
    group: str
    name_en: str
    name_ur: str
    description: str
    anonymous: bool
    sensitive: bool
