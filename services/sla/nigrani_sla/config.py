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
    # How often due timers are looked for: the bound on lateness when all is well.
    sweep_interval_seconds: float = Field(
        default=0.1, gt=0, le=5, validation_alias="SLA_SWEEP_INTERVAL_SECONDS"
    )
    # How long a second stays open to late writers before the sweep closes it.
    timer_settle_seconds: float = Field(
        default=5.0, ge=1, le=60, validation_alias="SLA_TIMER_SETTLE_SECONDS"
    )
    # How long an outbox entry may wait for its writer before the relay publishes it.
    relay_grace_seconds: float = Field(
        default=5.0, gt=0, le=300, validation_alias="SLA_RELAY_GRACE_SECONDS"
    )
