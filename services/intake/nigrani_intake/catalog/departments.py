"""The departments a complaint can name: a closed public list, so that what routing reads
as `concerns_department` is always a code it knows, and never free text."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

DEFAULT_DEPARTMENTS_PATH = Path(__file__).with_name("departments.yaml")
CODE_PATTERN = r"^[A-Z0-9-]{2,32}$"


class Department(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=CODE_PATTERN)
    name: str


class DepartmentsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    departments: list[Department]


class Departments:
    def __init__(self, departments: list[Department]) -> None:
        self._by_code = {department.code: department for department in departments}
        if len(self._by_code) != len(departments):
            raise ValueError("the departments file lists a code twice")

    def get(self, code: str) -> Department | None:
        return self._by_code.get(code)

    def all(self) -> list[Department]:
        return list(self._by_code.values())


def load_departments(path: Path = DEFAULT_DEPARTMENTS_PATH) -> Departments:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Departments(DepartmentsFile.model_validate(raw).departments)
