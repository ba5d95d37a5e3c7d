"""The endpoints a test run uses, and control over the local broker and store where we own
them (stop, freeze, kill, restart), so tests can force the failures the guarantees name."""

from __future__ import annotations

import os
import signal
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

    def freeze_store(self) -> None:
        """SIGSTOP: the store keeps its connections open and answers nothing, like a
        database stuck on a disk or a lock."""
        os.kill(self._store_pid(), signal.SIGSTOP)

    def thaw_store(self) -> None:
        os.kill(self._store_pid(), signal.SIGCONT)

    async def kill_store(self) -> None:
        """SIGKILL, the way a crash or the OOM killer ends it; waits until it is gone."""
        from nigrani_localinfra import ferretdb_node

        from tests.support.waiting import eventually

        node = ferretdb_node(self._own_state_dir())
        os.kill(self._store_pid(), signal.SIGKILL)

        async def gone() -> bool:
            return not node.is_running()

        await eventually(gone, within=10, interval=0.05, what="the store process gone")

    async def start_store_again(self) -> None:
        """Restarts the store on the same port and data and waits until it answers."""
        from nigrani_localinfra import ferretdb_node

        node = ferretdb_node(self._own_state_dir())
        node.start()
        await node.wait_ready()

    def _store_pid(self) -> int:
        from nigrani_localinfra import ferretdb_node

        pid = ferretdb_node(self._own_state_dir()).pid
        assert pid is not None, "the local store is not running"
        return pid

    def _own_state_dir(self) -> Path:
        if self.state_dir is None:
            pytest.skip("this test stops or freezes local infrastructure, not an external one")
        return self.state_dir
