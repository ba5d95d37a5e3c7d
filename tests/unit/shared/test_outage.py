import logging

import pytest
from nigrani_shared.logging import RepeatFilter
from nigrani_shared.outage import OutageLog
from nigrani_shared.settings import NigraniSettings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_outage_logs_its_start_one_summary_per_interval_and_its_end(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    outage = OutageLog(logging.getLogger("t"), "Kafka", interval_seconds=30, clock=clock)
    with caplog.at_level(logging.INFO, logger="t"):
        for _ in range(1000):  # a retry every 45 ms for 45 s
            outage.failed(ConnectionError())
            clock.now += 0.045
        outage.recovered()
        outage.recovered()
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "Kafka unreachable, retrying",
        "Kafka unreachable for 30 s, 667 retries",
        "Kafka reachable again after 45 s, 999 retries",
    ]
    assert not outage.down


def test_library_floods_are_held_back_but_each_kind_of_error_still_shows() -> None:
    clock = Clock()
    flood = RepeatFilter(prefixes=("aiokafka",), interval_seconds=30, clock=clock)

    def record(name: str, msg: str) -> logging.LogRecord:
        return logging.makeLogRecord({"name": name, "msg": msg, "levelno": logging.ERROR})

    passed = [flood.filter(record("aiokafka", "Unable connect to %s")) for _ in range(500)]
    assert passed.count(True) == 1
    assert flood.filter(record("aiokafka.conn", "another kind"))
    assert flood.filter(record("nigrani_shared.x", "ours are not filtered"))
    clock.now += 31
    again = record("aiokafka", "Unable connect to %s")
    assert flood.filter(again)
    assert again.similar_held_back == 499


def test_production_refuses_topics_that_a_single_broker_loss_would_lose() -> None:
    production = {"environment": "production", "secret_key": "real"}
    assert NigraniSettings(**production).kafka_replication_factor == 3
    assert NigraniSettings(**production).kafka_min_insync_replicas == 2
    assert NigraniSettings(environment="test").kafka_replication_factor == 1
    with pytest.raises(ValueError, match="KAFKA_REPLICATION_FACTOR"):
        NigraniSettings(**production, kafka_replication_factor=1, kafka_min_insync_replicas=1)
    with pytest.raises(ValueError, match="KAFKA_MIN_INSYNC_REPLICAS"):
        NigraniSettings(**production, kafka_min_insync_replicas=1)
