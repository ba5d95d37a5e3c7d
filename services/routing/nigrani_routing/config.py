"""Routing's settings: the shared base, staff-token checks, its port, rules and areas
files, and the admin token."""

from __future__ import annotations

from pathlib import Path

from nigrani_shared.auth.settings import StaffAuthSettings
from nigrani_shared.settings import NigraniSettings
from pydantic import Field, SecretStr

from nigrani_routing.rules.loader import DEFAULT_AREAS_PATH, DEFAULT_RULES_PATH


class RoutingSettings(NigraniSettings, StaffAuthSettings):
    service_name: str = "routing"
    database_name: str = Field(default="nigrani_routing", validation_alias="ROUTING_DATABASE")
    http_host: str = Field(default="127.0.0.1", validation_alias="ROUTING_HOST")
    http_port: int = Field(default=8001, validation_alias="ROUTING_PORT")
    rules_path: Path = Field(default=DEFAULT_RULES_PATH, validation_alias="ROUTING_RULES")
    areas_path: Path = Field(default=DEFAULT_AREAS_PATH, validation_alias="ROUTING_AREAS")
    admin_api_token: SecretStr | None = Field(
        default=None,
        min_length=32,
        validation_alias="ADMIN_API_TOKEN",
        description="Bearer token for /admin/v1 endpoints; unset, they answer 404.",
    )
