"""Starting, finding and stopping the sinks' process for `make up`, `status` and `down`.

It runs detached like the services, logging to ``<run_dir>/logs/sinks.log`` with its
records in ``<run_dir>/sinks/``. Ports come from ``SINKS_SMTP_PORT`` (1025) and
``SINKS_HTTP_PORT`` (8025); they do not move to free ports when taken, because notify's
settings name them. The ports of the running process are kept in ``<run_dir>/sinks.ports``
so that `status` shows where it really listens.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import InfraError
from ..ports import LOOPBACK
from ..processes import is_running, read_pid, start_detached, stop_process, tail
from .web import HEALTH_PREFIX

SMTP_PORT_VARIABLE = "SINKS_SMTP_PORT"
HTTP_PORT_VARIABLE = "SINKS_HTTP_PORT"
DEFAULT_SMTP_PORT = 1025
DEFAULT_HTTP_PORT = 8025
READY_TIMEOUT_S = 30.0
STOP_GRACE_S = 10.0


@dataclass(frozen=True)
class SinkPorts:
    smtp: int
    http: int

    @classmethod
    def from_environment(cls) -> SinkPorts:
        return cls(
            smtp=int(os.environ.get(SMTP_PORT_VARIABLE, DEFAULT_SMTP_PORT)),
            http=int(os.environ.get(HTTP_PORT_VARIABLE, DEFAULT_HTTP_PORT)),
        )

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.http}"

    @property
    def sms_url(self) -> str:
        return f"{self.url}/sms"

    @property
    def smtp_address(self) -> str:
        return f"{LOOPBACK}:{self.smtp}"


def _marker(run_dir: Path) -> str:
    return f"--nigrani-run={run_dir}/sinks"


def sinks_running(run_dir: Path) -> bool:
    return is_running(read_pid(run_dir / "sinks.pid"), _marker(run_dir))


def recorded_ports(run_dir: Path) -> SinkPorts | None:
    """The ports the sinks were last started on."""
    try:
        smtp, http = (int(part) for part in (run_dir / "sinks.ports").read_text().split())
    except (OSError, ValueError):
        return None
    return SinkPorts(smtp=smtp, http=http)


def _data_dir(run_dir: Path) -> Path:
    return (run_dir / "sinks").resolve()


def log_path(run_dir: Path) -> Path:
    return run_dir / "logs" / "sinks.log"


async def start_sinks(run_dir: Path, ports: SinkPorts | None = None) -> SinkPorts:
    """Starts the sinks unless they run already; returns once the page answers."""
    if sinks_running(run_dir):
        running = recorded_ports(run_dir)
        if running is not None:
            return running
    ports = ports or SinkPorts.from_environment()
    _launch(run_dir, ports)
    await _wait_ready(run_dir, ports)
    return ports


def _launch(run_dir: Path, ports: SinkPorts) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "sinks.ports").write_text(f"{ports.smtp} {ports.http}\n")
    argv = [
        sys.executable,
        "-m",
        "nigrani_localinfra.sinks",
        f"--smtp-port={ports.smtp}",
        f"--http-port={ports.http}",
        f"--data-dir={_data_dir(run_dir)}",
        _marker(run_dir),
    ]
    start_detached(argv, log_path=log_path(run_dir), pid_path=run_dir / "sinks.pid")


async def _wait_ready(run_dir: Path, ports: SinkPorts) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline and sinks_running(run_dir):
        if await asyncio.to_thread(_is_ours, f"{ports.url}/healthz", _data_dir(run_dir)):
            return
        await asyncio.sleep(0.2)
    raise InfraError(
        f"the mail and SMS sinks did not start on {ports.url} and {ports.smtp_address}"
        f" (ports taken? set {HTTP_PORT_VARIABLE} / {SMTP_PORT_VARIABLE})",
        details=tail(log_path(run_dir)),
    )


def _is_ours(url: str, data_dir: Path) -> bool:
    """True when our sinks answer there (not another server, nor another run's sinks)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback URL
            return bool(response.read().decode() == f"{HEALTH_PREFIX} {data_dir}")
    except OSError:
        return False


async def stop_sinks(run_dir: Path, *, log: Callable[[str], None] = print) -> None:
    await stop_process(
        read_pid(run_dir / "sinks.pid"),
        marker=_marker(run_dir),
        name="sinks",
        grace=STOP_GRACE_S,
        log=log,
    )
