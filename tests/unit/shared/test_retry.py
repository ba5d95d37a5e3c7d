from aiokafka.errors import KafkaConnectionError
from nigrani_shared.kafka.retry import Backoff, is_transient
from pymongo.errors import AutoReconnect, DuplicateKeyError


def test_backoff_grows_then_caps() -> None:
    backoff = Backoff(initial_seconds=0.1, max_seconds=1.0, factor=2)
    assert [backoff.delay(n) for n in range(1, 6)] == [0.1, 0.2, 0.4, 0.8, 1.0]


def test_outages_are_transient_and_bugs_are_not() -> None:
    assert is_transient(AutoReconnect("gone"))
    assert is_transient(KafkaConnectionError())
    assert not is_transient(DuplicateKeyError("dup"))
    assert not is_transient(ValueError("bad data"))
