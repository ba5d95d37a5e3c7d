"""Intake's settings: the shared base, rate limits, and its own port, catalog and limits."""

from __future__ import annotations

from pathlib import Path

from nigrani_shared.ratelimit.settings import RateLimitSettings
from nigrani_shared.settings import NigraniSettings
from nigrani_shared.web.limits import HttpLimitsSettings
from pydantic import AliasChoices, Field, SecretStr

from nigrani_intake.catalog.departments import DEFAULT_DEPARTMENTS_PATH
from nigrani_intake.catalog.districts import DEFAULT_DISTRICTS_PATH
from nigrani_intake.catalog.service import DEFAULT_CATALOG_PATH


class IntakeSettings(NigraniSettings, RateLimitSettings, HttpLimitsSettings):
    service_name: str = "intake"
    database_name: str = Field(default="nigrani_intake", validation_alias="INTAKE_DATABASE")
    http_host: str = Field(default="127.0.0.1", validation_alias="INTAKE_HOST")
    http_port: int = Field(default=8000, validation_alias=AliasChoices("INTAKE_PORT"))
    catalog_path: Path = Field(default=DEFAULT_CATALOG_PATH, validation_alias="INTAKE_CATALOG")
    districts_path: Path = Field(
        default=DEFAULT_DISTRICTS_PATH, validation_alias="INTAKE_DISTRICTS"
    )
    departments_path: Path = Field(
        default=DEFAULT_DEPARTMENTS_PATH, validation_alias="INTAKE_DEPARTMENTS"
    )
    relay_batch_size: int = 500
    relay_foreign_grace_seconds: float = Field(
        default=5.0,
        ge=0,
        description="How long an outbox entry written by another replica is left to it "
        "before this replica's relay publishes it.",
    )
    store_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How long a request waits for the store before answering 503.",
    )
    internal_api_token: SecretStr | None = Field(
        default=None,
        min_length=32,
        description="Bearer token of services allowed the internal contact look-up; "
        "unset disables it.",
    )
    status_cache_ttl_seconds: float = Field(default=1.0, ge=0, le=60)  # 0 turns the cache off
    status_cache_max_entries: int = Field(default=10_000, ge=1)
