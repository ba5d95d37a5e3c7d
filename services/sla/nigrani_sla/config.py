"""Sla service settings."""

from __future__ import annotations

from pathlib import Path

from nigrani_shared.settings import NigraniSettings
from pydantic import Field

from nigrani_sla.calendar import DEFAULT_CALENDARS_PATH, DEFAULT_CLOSURES_PATH
from nigrani_sla.policies import DEFAULT_POLICIES_PATH


class SlaSettings(NigraniSettings):
    service_name: str = "sla"
    database_name: str = Field(default="nigrani_sla", validation_alias="SLA_DATABASE")
    http_host: str = Field(default="127.0.0.1", validation_alias="SLA_HOST")
    http_port: int = Field(default=8002, validation_alias="SLA_PORT")
    # The packaged files by default; a deployment points these at its own copies.
    policies_path: Path = Field(default=DEFAULT_POLICIES_PATH, validation_alias="SLA_POLICIES_PATH")
    calendars_path: Path = Field(
        default=DEFAULT_CALENDARS_PATH, validation_alias="SLA_CALENDARS_PATH"
    )
    closures_path: Path = Field(default=DEFAULT_CLOSURES_PATH, validation_alias="SLA_CLOSURES_PATH")
