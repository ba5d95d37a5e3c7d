"""The settings the service-independent commands read (KAFKA_BOOTSTRAP_SERVERS,
TOPIC_PREFIX, KAFKA_TOPIC_PARTITIONS, ...), from the same environment as the services."""

from __future__ import annotations

from nigrani_shared.settings import NigraniSettings

from nigrani_cli.failures import settings_or_refuse


def shared_settings() -> NigraniSettings:
    return settings_or_refuse(lambda: NigraniSettings(service_name="cli"))
