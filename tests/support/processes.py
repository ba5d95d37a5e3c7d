"""Services and workers as real processes (`python -m nigrani_<service>`, or a module such
as `nigrani_routing.worker`) on loopback ports, for tests that kill one or speak raw HTTP
to it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.infra import Infra
from tests.support.waiting import eventually


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class ServiceProcess:
    name: str
    port: int
    process: asyncio.subprocess.Process
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would end it: no graceful anything."""
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()


@contextlib.asynccontextmanager
async def service_process(
    service: str,
    env: Mapping[str, str],
    log_dir: Path,
    *,
    ready_path: str | None = "/healthz",
    name: str | None = None,
    module: str | None = None,
) -> AsyncIterator[ServiceProcess]:
    """Starts `python -m <module>` (`nigrani_<service>` unless given) with its own free
    port in the service's port variable, and waits until `ready_path` answers 200 (not at
    all when None: the caller waits its own way); terminates it (if still alive) when the
    block ends."""
    name = name or service
    module = module or f"nigrani_{service}"
    port = free_port()
    port_variable = f"{service.upper()}_PORT"
    log_path = log_dir / f"{name}.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            module,
            env={**os.environ, **env, port_variable: str(port)},
            stdout=log,
            stderr=log,
        )
    running = ServiceProcess(name, port, process, log_path)
    try:
        if ready_path is not None:
            await _until_ready(running, ready_path)
        yield running
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), timeout=30)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _until_ready(running: ServiceProcess, ready_path: str) -> None:
    async with httpx.AsyncClient(base_url=running.url) as client:

        async def ready() -> bool:
            if running.process.returncode is not None:
                raise AssertionError(f"{running.name} exited; its log is {running.log_path}")
            with contextlib.suppress(httpx.TransportError):
                return (await client.get(ready_path)).status_code == 200
            return False

        await eventually(ready, within=90, interval=0.2, what=f"{running.name} ready")


def service_environment(infra: Infra, prefix: str) -> dict[str, str]:
    """What a service or worker process needs to run against the test run's broker and
    store, isolated by topic prefix and database names."""
    return {
        "KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap_servers,
        "MONGODB_URI": infra.mongodb_uri,
        "TOPIC_PREFIX": prefix,
        "DATABASE_NAME": f"{prefix}_service",
        "INTAKE_DATABASE": f"{prefix}_intake",
        "ROUTING_DATABASE": f"{prefix}_routing",
        "ENVIRONMENT": "test",
    }
