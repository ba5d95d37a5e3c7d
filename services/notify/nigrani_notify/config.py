"""Notify service settings."""

from __future__ import annotations

from nigrani_shared.settings import NigraniSettings
from pydantic import Field


class NotifySettings(NigraniSettings):
    service_name: str = "notify"
    database_name: str = Field(default="nigrani_notify", validation_alias="NOTIFY_DATABASE")
    http_host: str = Field(default="127.0.0.1", validation_alias="NOTIFY_HOST")
    http_port: int = Field(default=8003, validation_alias="NOTIFY_PORT")
