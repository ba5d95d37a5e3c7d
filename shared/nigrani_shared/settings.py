"""One settings base class so that every service validates its configuration at start-up.

Environment variables are read only when a settings object is built (in a service's
entry point), never at import time, so tests can build settings explicitly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from nigrani_shared.kafka.topics import TopicLayout
from nigrani_shared.store.write_concern import weak_write_concern

DEVELOPMENT_SECRET = "development-only-secret-change-me"  # noqa: S105 - refused outside development


def _by_environment(production: int, otherwise: int) -> Any:
    """A default that depends on the (already validated) `environment` field."""

    def default(data: dict[str, Any]) -> int:
        return production if data.get("environment") == "production" else otherwise

    return default


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

    # Topics this service creates at start-up, and `nigrani topics create` creates before
    # it (existing topics are left as they are). A production cluster keeps 3 copies and
    # refuses a write that fewer than 2 hold; the local and test stack is one broker, so
    # development and test default to 1 and 1. Partitions bound the useful replicas of each
    # consumer group (one partition is read by one member): 12 in production leaves room
    # to scale a worker out to 12 replicas; 3 keeps the local broker light.
    kafka_topic_partitions: int = Field(default_factory=_by_environment(12, 3), ge=1)
    kafka_replication_factor: int = Field(default_factory=_by_environment(3, 1), ge=1)
    kafka_min_insync_replicas: int = Field(default_factory=_by_environment(2, 1), ge=1)

    # The consumer loop: how long one handler call may take before it counts as a failed
    # attempt, how long a stop waits for the events in flight and then for the commit and
    # the group leave, and when a loop that keeps crashing makes /healthz fail.
    consumer_handler_timeout_seconds: float = Field(default=30.0, gt=0)
    consumer_stop_grace_seconds: float = Field(default=10.0, gt=0)
    consumer_close_timeout_seconds: float = Field(default=5.0, gt=0)
    consumer_max_restarts: int = Field(default=5, ge=1)
    consumer_max_down_seconds: float = Field(default=300.0, gt=0)

    # The citizen's windows after a resolution, read by intake (which actions it offers)
    # and routing (which it applies, and when an unconfirmed resolution closes), so the
    # two never disagree about a deadline.
    confirmation_window_days: int = Field(default=14, ge=1)
    reopen_window_days: int = Field(default=30, ge=1)

    @model_validator(mode="after")
    def _refuse_development_secret_in_production(self) -> NigraniSettings:
        if (
            self.environment == "production"
            and self.secret_key.get_secret_value() == DEVELOPMENT_SECRET
        ):
            raise ValueError("SECRET_KEY must be set to a real secret in production")
        return self

    @model_validator(mode="after")
    def _refuse_single_copy_topics_in_production(self) -> NigraniSettings:
        if self.kafka_min_insync_replicas > self.kafka_replication_factor:
            raise ValueError("KAFKA_MIN_INSYNC_REPLICAS cannot exceed KAFKA_REPLICATION_FACTOR")
        if self.environment == "production" and (
            self.kafka_replication_factor < 2 or self.kafka_min_insync_replicas < 2
        ):
            raise ValueError(
                "production needs KAFKA_REPLICATION_FACTOR >= 2 and KAFKA_MIN_INSYNC_REPLICAS"
                " >= 2: an acknowledged event must survive the loss of one broker"
            )
        return self

    @model_validator(mode="after")
    def _refuse_weak_write_concern_in_production(self) -> NigraniSettings:
        if self.environment == "production":
            problem = weak_write_concern(self.mongodb_uri)
            if problem is not None:
                raise ValueError(problem)
        return self

    @property
    def lifecycle_topic(self) -> str:
        """The one topic that carries every request's events, keyed by request id."""
        return f"{self.topic_prefix}.requests.lifecycle"

    @property
    def topic_layout(self) -> TopicLayout:
        return TopicLayout(
            partitions=self.kafka_topic_partitions,
            replication_factor=self.kafka_replication_factor,
            min_insync_replicas=self.kafka_min_insync_replicas,
        )

    def dead_letter_topic(self, group_id: str) -> str:
        """Each consumer group gets its own DLQ so that replays go back to the right owner."""
        return f"{self.topic_prefix}.dlq.{group_id}"


def refusal_line(error: ValidationError) -> str:
    """What is wrong with the settings, in one line: pydantic's messages only, each after
    the variable it is about. Its full text quotes the input, secrets included."""
    problems = []
    for problem in error.errors():
        message = problem["msg"].removeprefix("Value error, ")
        variable = "_".join(str(part) for part in problem["loc"]).upper()
        problems.append(f"{variable}: {message}" if variable else message)
    return "; ".join(problems)


@contextmanager
def refused_settings_exit() -> Iterator[None]:
    """Around a service's settings at start-up: settings that must not run end the process
    with one line on stderr (exit 1), not a traceback that quotes every value read."""
    try:
        yield
    except ValidationError as error:
        raise SystemExit(f"refused to start: {refusal_line(error)}") from None
