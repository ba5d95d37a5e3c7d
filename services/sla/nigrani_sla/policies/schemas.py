"""The policies file, validated when the SLA service starts so a typo stops the service.

Durations are written as text ("21 days", "8 hours", "90 minutes", "30 seconds"). The
cross-checks (unique ids and keys, the catch-all policy, known categories, a ladder
without gaps) raise `reference_error` with their place in the file so the loader can name
the line; categories are checked against the catalog when the caller passes its codes as
validation context `known_categories`.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Annotated, Literal

from nigrani_shared.config_files.loading import reference_error
from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationInfo, model_validator

from nigrani_sla.policies.model import ANY, LADDER_ROLES, Duration, Role, Rung, Unit

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(second|minute|hour|day)s?\s*$")
DEFAULT_WARNING_SHARE = 0.75


def parse_duration(value: object) -> Duration:
    if isinstance(value, Duration):
        return value
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{value!r} is not a duration like '8 hours' or '21 days'")
    unit: Unit = f"{match.group(2)}s"  # type: ignore[assignment]
    return Duration(float(match.group(1)), unit)


def _positive(value: object) -> Duration:
    duration = parse_duration(value)
    if duration.amount <= 0:
        raise ValueError(f"a target must be longer than zero, not {value!r}")
    return duration


Allowance = Annotated[Duration, PlainValidator(parse_duration)]
Target = Annotated[Duration, PlainValidator(_positive)]
Category = Annotated[str, Field(pattern=r"^(\*|[a-z_]+\.[a-z_]+)$")]
PriorityKey = Literal["low", "normal", "high", "urgent", "*"]


class PolicySpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    category: Category
    priority: PriorityKey
    first_response: Target
    resolution: Target
    warning_share: float | None = Field(default=None, gt=0, lt=1)
    ladder: dict[Role, Allowance] = {}

    @model_validator(mode="after")
    def _consistent(self) -> PolicySpec:
        first, resolution = self.first_response, self.resolution
        comparable = (first.unit == "days") == (resolution.unit == "days")
        if comparable and _nominal(first) > _nominal(resolution):
            raise ValueError(f"first_response {first} is longer than resolution {resolution}")
        present = [role in self.ladder for role in LADDER_ROLES]
        for level, role in enumerate(LADDER_ROLES, start=1):
            if not present[level - 1] and any(present[level:]):
                raise ValueError(
                    f"the ladder skips level {level} ({role}): levels are "
                    "1 supervisor, 2 dept_admin, 3 oversight, and a level needs the ones below"
                )
        return self

    def rungs(self) -> tuple[Rung, ...]:
        return tuple(
            Rung(level, role, self.ladder[role])
            for level, role in enumerate(LADDER_ROLES, start=1)
            if role in self.ladder
        )


class PoliciesFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    warning_share: float = Field(default=DEFAULT_WARNING_SHARE, gt=0, lt=1)
    policies: tuple[PolicySpec, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _references_resolve(self, info: ValidationInfo) -> PoliciesFile:
        known: Collection[str] | None = (info.context or {}).get("known_categories")
        ids: set[str] = set()
        keys: set[tuple[str, str]] = set()
        for number, policy in enumerate(self.policies):
            if policy.id in ids:
                raise reference_error(
                    ("policies", number, "id"), f"policy id {policy.id} is used twice"
                )
            key = (policy.category, policy.priority)
            if key in keys:
                raise reference_error(
                    ("policies", number),
                    f"policy {policy.id}: another policy already covers category "
                    f"{policy.category} and priority {policy.priority}",
                )
            if known is not None and policy.category not in (ANY, *known):
                raise reference_error(
                    ("policies", number, "category"),
                    f"policy {policy.id} names unknown category {policy.category}",
                )
            ids.add(policy.id)
            keys.add(key)
        if (ANY, ANY) not in keys:
            raise reference_error(
                ("policies",),
                'no policy for category "*" and priority "*": every request needs one',
            )
        return self


_NOMINAL_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86_400}


def _nominal(duration: Duration) -> float:
    """Comparable only between two durations both in days or both not in days."""
    return duration.amount * _NOMINAL_SECONDS[duration.unit]
