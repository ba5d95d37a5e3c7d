"""Sla service settings."""

from __future__ import annotations

from nigrani_shared.settings import NigraniSettings
from pydantic import Field


class SlaSettings(NigraniSettings):
    service_name: str = "sla"
    database_name: str = Field(default="nigrani_sla", validation_alias="SLA_DATABASE")
    http_host: str = Field(default="127.0.0.1", validation_alias="SLA_HOST")
    http_port: int = Field(default=8002, validation_alias="SLA_PORT")
