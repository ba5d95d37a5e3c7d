"""Notify service settings."""

from __future__ import annotations

from pathlib import Path

from nigrani_shared.settings import NigraniSettings
from pydantic import Field, SecretStr, model_validator

from nigrani_notify.channels.email import EmailSettings
from nigrani_notify.channels.sms import SmsGatewaySettings


class NotifySettings(NigraniSettings):
    service_name: str = "notify"
    database_name: str = Field(default="nigrani_notify", validation_alias="NOTIFY_DATABASE")
    http_host: str = Field(default="127.0.0.1", validation_alias="NOTIFY_HOST")
    http_port: int = Field(default=8003, validation_alias="NOTIFY_PORT")

    # Where citizens' contact details live (intake's internal API) and the token that
    # opens it; notify keeps a copy only while it has something to send.
    intake_internal_url: str = Field(
        default="http://127.0.0.1:8000", validation_alias="INTAKE_INTERNAL_URL"
    )
    # Unset, no citizen can be messaged (attempts wait for it); refused in production.
    internal_api_token: SecretStr | None = Field(
        default=None, min_length=32, validation_alias="INTERNAL_API_TOKEN"
    )
    intake_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    # Links written into messages.
    public_status_url: str = Field(
        default="http://127.0.0.1:8000/v1/requests/{tracking_code}",
        validation_alias="NOTIFY_PUBLIC_STATUS_URL",
    )
    staff_case_url: str = Field(
        default="http://127.0.0.1:8001/staff/v1/cases/{tracking_code}",
        validation_alias="NOTIFY_STAFF_CASE_URL",
    )

    # The gateways, each one JSON object in the environment (see the README): the SMTP
    # server and the SMS gateway's URL, auth and field mapping. The defaults are the local
    # sinks that `make up` starts.
    smtp: EmailSettings = Field(default_factory=EmailSettings, validation_alias="NOTIFY_SMTP")
    sms_gateway: SmsGatewaySettings = Field(
        default_factory=SmsGatewaySettings, validation_alias="NOTIFY_SMS_GATEWAY"
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, le=60, validation_alias="NOTIFY_WEBHOOK_TIMEOUT_SECONDS"
    )

    # Files a deployment supplies: templates and who holds which role (None: packaged).
    templates_path: Path | None = Field(default=None, validation_alias="NOTIFY_TEMPLATES_PATH")
    recipients_path: Path | None = Field(default=None, validation_alias="NOTIFY_RECIPIENTS_PATH")

    # An event older than this is never announced to anyone: a first start, or one after
    # a long outage, skips (and counts) what would only be stale news.
    horizon_hours: float = Field(default=24.0, gt=0, validation_alias="NOTIFY_HORIZON_HOURS")
    # An official hears once that a case assigned to them has waited this long untouched.
    staff_waiting_hours: float = Field(
        default=48.0, gt=0, validation_alias="NOTIFY_STAFF_WAITING_HOURS"
    )

    # Retries: attempt n waits base * 2**(n-1), jittered, at most `max`, `attempts` in all.
    retry_attempts: int = Field(default=6, ge=1, le=30, validation_alias="NOTIFY_RETRY_ATTEMPTS")
    retry_base_seconds: float = Field(
        default=30.0, gt=0, validation_alias="NOTIFY_RETRY_BASE_SECONDS"
    )
    retry_max_seconds: float = Field(
        default=3600.0, gt=0, validation_alias="NOTIFY_RETRY_MAX_SECONDS"
    )
    # A claimed attempt with no recorded result after this long is taken as lost (its
    # sender died) and the next attempt starts, under the same idempotency key.
    attempt_lease_seconds: float = Field(
        default=120.0, gt=0, validation_alias="NOTIFY_ATTEMPT_LEASE_SECONDS"
    )

    # Per-gateway pace (messages per second per replica) and parallel sends per channel.
    email_per_second: float = Field(default=20.0, gt=0, validation_alias="NOTIFY_EMAIL_PER_SECOND")
    sms_per_second: float = Field(default=10.0, gt=0, validation_alias="NOTIFY_SMS_PER_SECOND")
    webhook_per_second: float = Field(
        default=50.0, gt=0, validation_alias="NOTIFY_WEBHOOK_PER_SECOND"
    )
    channel_concurrency: int = Field(default=16, ge=1, le=256)

    sweep_interval_seconds: float = Field(
        default=0.2, gt=0, le=5, validation_alias="NOTIFY_SWEEP_INTERVAL_SECONDS"
    )
    timer_settle_seconds: float = Field(
        default=5.0, ge=1, le=60, validation_alias="NOTIFY_TIMER_SETTLE_SECONDS"
    )
    relay_grace_seconds: float = Field(
        default=10.0, gt=0, le=300, validation_alias="NOTIFY_RELAY_GRACE_SECONDS"
    )

    @model_validator(mode="after")
    def _refuse_production_without_contact_access(self) -> NotifySettings:
        if self.environment == "production" and self.internal_api_token is None:
            raise ValueError("INTERNAL_API_TOKEN must be set in production (citizens' contacts)")
        return self

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> NotifySettings:
        """A watchdog that fired while its attempt still runs would send a second time."""
        longest = self.intake_timeout_seconds + max(
            self.smtp.timeout_seconds,
            self.sms_gateway.timeout_seconds,
            self.webhook_timeout_seconds,
        )
        if self.attempt_lease_seconds <= longest:
            raise ValueError(
                f"NOTIFY_ATTEMPT_LEASE_SECONDS ({self.attempt_lease_seconds:g}) must outlast "
                f"one attempt: the contact look-up and the slowest gateway's timeout "
                f"({longest:g} s)"
            )
        return self
