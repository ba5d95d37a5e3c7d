"""Loads the catalog file once at start-up and answers look-ups from memory."""

from __future__ import annotations

from pathlib import Path

import yaml

from nigrani_intake.catalog.schemas import CatalogFile, Category

DEFAULT_CATALOG_PATH = Path(__file__).with_name("services.yaml")


class Catalog:
    def __init__(self, categories: list[Category]) -> None:
        self._by_code = {category.code: category for category in categories}
        if len(self._by_code) != len(categories):
            raise ValueError("the service catalog lists a category code twice")

    def get(self, code: str) -> Category | None:
        return self._by_code.get(code)

    def all(self) -> list[Category]:
        return list(self._by_code.values())


def load_catalog(path: Path = DEFAULT_CATALOG_PATH) -> Catalog:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Catalog(CatalogFile.model_validate(raw).categories)
