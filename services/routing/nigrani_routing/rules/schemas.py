"""The routing rules file, validated when routing starts so a typo stops the service."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Department(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[A-Z0-9-]{2,32}$")
    name: str


class Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9-]{1,64}$")
    categories: tuple[str, ...] = Field(min_length=1)
    districts: tuple[str, ...] = ()
    department: str


class RuleSet(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    departments: tuple[Department, ...]
    triage: Department
    rules: tuple[Rule, ...]
    version: str = Field(default="", description="Set by the loader: a hash of the file.")

    @model_validator(mode="after")
    def _references_resolve(self) -> RuleSet:
        known = {d.code for d in self.departments}
        for rule in self.rules:
            if rule.department not in known:
                raise ValueError(f"rule {rule.id} names unknown department {rule.department}")
        ids = [rule.id for rule in self.rules]
        if len(ids) != len(set(ids)):
            raise ValueError("two routing rules share an id")
        return self

    def department(self, code: str) -> Department:
        return next((d for d in self.departments if d.code == code), self.triage)
