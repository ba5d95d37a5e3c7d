"""The endpoints a test run uses, and control over the local broker where we own it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Infra:
    kafka_bootstrap_servers: str
    mongodb_uri: str
    state_dir: Path | None  # None when the run uses external infrastructure

    async def stop_kafka(self) -> None:
        from nigrani_localinfra import stop_kafka

        await stop_kafka(self._own_state_dir())

    async def start_kafka(self) -> None:
        """Restarts the broker on the same port and data folder and waits until it answers."""
        from nigrani_localinfra import start_kafka_again

        await start_kafka_again(self._own_state_dir())

    def _own_state_dir(self) -> Path:
        if self.state_dir is None:
            pytest.skip("stopping the broker needs the local stack, not external Kafka")
        return self.state_dir
