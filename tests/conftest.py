"""One infrastructure boot per test run.

When KAFKA_BOOTSTRAP_SERVERS and MONGODB_URI are both set, tests use them (a real cluster,
a real MongoDB). Otherwise the repository's own local stack (Kafka from Maven jars, FerretDB
embedded in our Go program) is started on free ports in a temporary folder, so a test run
never collides with a running `make up`, and stopped when the run ends.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.infra import Infra


def _progress(message: str) -> None:
    print(message, flush=True)


@pytest.fixture(scope="session")
async def infra(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Infra]:
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    mongo = os.environ.get("MONGODB_URI")
    if kafka and mongo:
        yield Infra(kafka_bootstrap_servers=kafka, mongodb_uri=mongo, state_dir=None)
        return
    from nigrani_localinfra.stack import start_stack, stop_stack

    state_dir: Path = tmp_path_factory.mktemp("infra")
    endpoints = await start_stack(state_dir, log=_progress)
    try:
        yield Infra(
            kafka_bootstrap_servers=endpoints.kafka_bootstrap_servers,
            mongodb_uri=endpoints.mongodb_uri,
            state_dir=state_dir,
        )
    finally:
        await stop_stack(state_dir, log=_progress)
