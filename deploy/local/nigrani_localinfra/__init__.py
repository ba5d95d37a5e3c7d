"""Local infrastructure for Nigrani: Kafka and a MongoDB-protocol store, no Docker.

Kafka 4 runs as a single KRaft node straight from its Maven Central jars, and
FerretDB (MongoDB wire protocol on SQLite) runs from a small Go wrapper built once.
Both are fetched/built into a per-user cache on first use and then start offline.
Used by ``make up`` (``python -m nigrani_localinfra system up``, see ``cli.py``) and the
integration tests.
"""

from .errors import InfraError
from .ferretdb import FerretDBNode
from .kafka import KafkaNode
from .provision import Artifacts, provision
from .stack import (
    InfraEndpoints,
    StackState,
    ferretdb_node,
    kafka_node,
    read_state,
    running_endpoints,
    start_kafka_again,
    start_stack,
    stop_kafka,
    stop_stack,
)

__all__ = [
    "Artifacts",
    "FerretDBNode",
    "InfraEndpoints",
    "InfraError",
    "KafkaNode",
    "StackState",
    "ferretdb_node",
    "kafka_node",
    "provision",
    "read_state",
    "running_endpoints",
    "start_kafka_again",
    "start_stack",
    "stop_kafka",
    "stop_stack",
]
