"""One settings base class so that every service validates its configuration at start-up.

Environment variables are read only when a settings object is built (in a service's
entry point), never at import time, so tests can build settings explicitly.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "development-only-secret-change-me"  # noqa: S105 - refused outside development


class NigraniSettings(BaseSettings):
    """Settings every service shares; a service subclasses it for its own options."""

    model_config = SettingsConfigDict(
        env_prefix="", extra="ignore", frozen=True, populate_by_name=True
    )

    environment: Literal["development", "test", "production"] = "development"
    service_name: str = "nigrani"
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    mongodb_uri: str = "mongodb://127.0.0.1:27017/?directConnection=true"
    database_name: str = Field(default="nigrani", pattern=r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
    topic_prefix: str = Field(default="nigrani", pattern=r"^[A-Za-z0-9._-]+$")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    embedded_worker: bool = True
    http_host: str = "127.0.0.1"
    http_port: int = 8000

    @model_validator(mode="after")
    def _refuse_development_secret_in_production(self) -> NigraniSettings:
        if (
            self.environment == "production"
            and self.secret_key.get_secret_value() == DEVELOPMENT_SECRET
        ):
            raise ValueError("SECRET_KEY must be set to a real secret in production")
        return self

    @property
    def lifecycle_topic(self) -> str:
        """The one topic that carries every request's events, keyed by request id."""
        return f"{self.topic_prefix}.requests.lifecycle"

    def dead_letter_topic(self, group_id: str) -> str:
        """Each consumer group gets its own DLQ so that replays go back to the right owner."""
        return f"{self.topic_prefix}.dlq.{group_id}"
