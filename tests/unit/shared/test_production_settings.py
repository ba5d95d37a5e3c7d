"""Production refuses what would make an acknowledged write losable (a weak MongoDB write
concern, single-copy topics) and development secrets, each in one line that names the
variable; the store client and the producer are safe by default."""

from __future__ import annotations

from typing import Any

import pytest
from nigrani_notify.config import NotifySettings
from nigrani_routing.config import RoutingSettings
from nigrani_shared.kafka.producer import create_producer
from nigrani_shared.settings import NigraniSettings
from nigrani_shared.store.client import create_client
from nigrani_shared.store.write_concern import default_write_concern, weak_write_concern
from pydantic import ValidationError
from pymongo import WriteConcern

PRODUCTION: dict[str, Any] = {"environment": "production", "secret_key": "a-real-secret"}
URI = "mongodb://nigrani:pw-canary@db-0,db-1,db-2/?replicaSet=rs0"
TOKEN = "t" * 32


@pytest.mark.parametrize(
    ("settings_class", "overrides", "variable"),
    [
        (NigraniSettings, {"secret_key": "development-only-secret-change-me"}, "SECRET_KEY"),
        (
            NigraniSettings,
            {"kafka_replication_factor": 1, "kafka_min_insync_replicas": 1},
            "KAFKA_REPLICATION_FACTOR",
        ),
        (NigraniSettings, {"kafka_min_insync_replicas": 1}, "KAFKA_MIN_INSYNC_REPLICAS"),
        (NigraniSettings, {"mongodb_uri": URI + "&w=1"}, "MONGODB_URI"),
        (NigraniSettings, {"mongodb_uri": URI + "&w=0"}, "MONGODB_URI"),
        (NigraniSettings, {"mongodb_uri": URI + "&w=2"}, "MONGODB_URI"),
        (NigraniSettings, {"mongodb_uri": URI + "&journal=false"}, "MONGODB_URI"),
        (NigraniSettings, {"mongodb_uri": URI + "&W=1"}, "MONGODB_URI"),
        (NigraniSettings, {"mongodb_uri": URI + "&w=Majority"}, "MONGODB_URI"),
        (NigraniSettings, {"mongodb_uri": URI + "&w=MAJORITY"}, "MONGODB_URI"),
        (RoutingSettings, {}, "STAFF_JWT_SECRET"),
        (NotifySettings, {"internal_api_token": None}, "INTERNAL_API_TOKEN"),
    ],
)
def test_each_production_refusal_is_one_line_naming_its_variable(
    settings_class: type[NigraniSettings], overrides: dict[str, Any], variable: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        settings_class(**{**PRODUCTION, "internal_api_token": TOKEN, **overrides})

    [error] = refused.value.errors()
    assert variable in error["msg"]
    assert "\n" not in error["msg"]
    assert "pw-canary" not in error["msg"]


@pytest.mark.parametrize("options", ["", "&w=majority", "&W=majority&journal=true", "&j=true"])
def test_production_accepts_a_majority_journaled_write_concern(options: str) -> None:
    settings = NigraniSettings(**PRODUCTION, mongodb_uri=URI + options)
    assert settings.mongodb_uri == URI + options


def test_development_may_ask_for_less() -> None:
    NigraniSettings(mongodb_uri=URI + "&w=1&journal=false")


def test_the_refusal_names_the_option_and_never_the_uri() -> None:
    assert weak_write_concern(URI + "&w=1") == (
        "MONGODB_URI asks for w=1: production writes need w=majority"
        " (remove the option or set w=majority)"
    )
    assert weak_write_concern("mongodb://h/?journal=false&w=majority") is not None
    assert weak_write_concern("mongodb://h/?directConnection=true") is None


async def test_the_store_client_writes_with_majority_and_the_journal_by_default() -> None:
    client = create_client(URI, app_name="test")
    try:
        assert client.write_concern == WriteConcern(w="majority", j=True)
    finally:
        await client.close()
    assert default_write_concern(URI + "&w=1") == {"journal": True}  # the URI's own wins


def test_production_defaults_to_twelve_partitions_and_development_to_three() -> None:
    assert NigraniSettings(**PRODUCTION).kafka_topic_partitions == 12
    assert NigraniSettings().kafka_topic_partitions == 3
    assert NigraniSettings(**PRODUCTION, kafka_topic_partitions=24).kafka_topic_partitions == 24


async def test_the_producer_is_idempotent_and_waits_for_every_in_sync_replica() -> None:
    producer = create_producer("127.0.0.1:9", client_id="test")
    assert producer._txn_manager is not None  # idempotence (sequence numbers per partition)
    assert producer._sender._acks == -1  # acks=all
