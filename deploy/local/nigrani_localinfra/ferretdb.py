"""FerretDB (MongoDB wire protocol on SQLite) run from our small Go wrapper.

The services speak MongoDB; FerretDB v1 with its SQLite backend gives them that
protocol from one static binary with no server to install. Data lives in
``<state_dir>/ferretdb-data`` (one SQLite file per database) and survives restarts.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from pymongo import AsyncMongoClient

from .errors import InfraError
from .ports import LOOPBACK
from .processes import is_running, read_pid, start_detached, stop_process, tail
from .provision import Artifacts, Log

READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0


def mongodb_uri(port: int) -> str:
    """The URI clients should use; FerretDB is a single server, never a replica set."""
    return f"mongodb://{LOOPBACK}:{port}/?directConnection=true"


class FerretDBNode:
    """One FerretDB process whose files live under ``state_dir``.

    Files: ``ferretdb-data/`` (SQLite databases), ``ferretdb.log``, ``ferretdb.pid``.
    ``log_level="debug"`` makes FerretDB log every SQL query it runs (tests read them).
    """

    def __init__(
        self,
        state_dir: Path,
        *,
        port: int,
        artifacts: Artifacts | None = None,
        log_level: str = "warn",
    ) -> None:
        self.state_dir = state_dir.resolve()
        self.port = port
        self.artifacts = artifacts
        self.log_level = log_level
        self.data_dir = self.state_dir / "ferretdb-data"
        self.log_path = self.state_dir / "ferretdb.log"
        self.pid_path = self.state_dir / "ferretdb.pid"

    @property
    def uri(self) -> str:
        """MongoDB connection string (``directConnection=true``)."""
        return mongodb_uri(self.port)

    @property
    def pid(self) -> int | None:
        """The pid recorded at the last start, whether or not it still runs."""
        return read_pid(self.pid_path)

    @property
    def _marker(self) -> str:
        return str(self.data_dir)

    def is_running(self) -> bool:
        """Return True if this node's FerretDB process is alive."""
        return is_running(self.pid, self._marker)

    def start(self) -> int:
        """Start FerretDB detached and return its pid (see :meth:`wait_ready`)."""
        if self.artifacts is None:
            raise InfraError(
                "FerretDBNode was created without artifacts, so it can only be stopped"
            )
        if self.is_running():
            raise InfraError(f"FerretDB in {self.state_dir} is already running (pid {self.pid})")
        # The SQLite backend needs an existing absolute directory.
        self.data_dir.mkdir(parents=True, exist_ok=True)
        argv = [
            str(self.artifacts.ferretdb_binary),
            "-listen-addr", f"{LOOPBACK}:{self.port}",
            "-state-dir", str(self.data_dir),
            "-log-level", self.log_level,
        ]  # fmt: skip
        return start_detached(argv, log_path=self.log_path, pid_path=self.pid_path)

    async def wait_ready(self, within: float = READY_TIMEOUT_S) -> None:
        """Wait until ``ping`` succeeds, or raise with the log tail."""
        deadline = time.monotonic() + within
        last_error = "no attempt yet"
        while True:
            if not self.is_running():
                raise InfraError(
                    f"FerretDB exited during start-up (log: {self.log_path})",
                    details=tail(self.log_path),
                )
            if time.monotonic() >= deadline:
                raise InfraError(
                    f"FerretDB on {LOOPBACK}:{self.port} not ready after {within:.0f}s: "
                    f"{last_error} (log: {self.log_path})",
                    details=tail(self.log_path),
                )
            try:
                await probe_mongodb(self.uri)
            except Exception as exc:  # any failure means "not yet"
                last_error = f"{type(exc).__name__}: {exc}"
                await asyncio.sleep(0.2)
            else:
                return

    async def stop(self, grace: float = STOP_TIMEOUT_S, *, log: Log = print) -> None:
        """SIGTERM FerretDB (closes clients and SQLite cleanly), SIGKILL after ``grace`` s."""
        await stop_process(self.pid, marker=self._marker, name="FerretDB", grace=grace, log=log)


async def probe_mongodb(uri: str) -> None:
    """One readiness probe: ``admin.command("ping")`` with short timeouts."""
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        uri, directConnection=True, serverSelectionTimeoutMS=1000, connectTimeoutMS=1000
    )
    try:
        await client.admin.command("ping")
    finally:
        await client.close()
