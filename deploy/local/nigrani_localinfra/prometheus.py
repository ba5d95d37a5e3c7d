"""A real Prometheus beside the local system, scraping its services with the alert rules.

It runs detached like Kafka and FerretDB, from Debian's package, with its data in
``<state_dir>/prometheus-data`` (kept across ``down``/``up``) and its rendered config in
``<state_dir>/prometheus.yml``. ``up`` on a running Prometheus keeps the process and its
data and only reloads the config (SIGHUP), so a service started on another port since is
scraped there.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import time
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

from .errors import InfraError
from .ports import LOOPBACK, choose_port
from .processes import is_running, read_pid, start_detached, stop_process, tail
from .prometheus_config import SELF_JOB, render_config
from .prometheus_package import Log, PrometheusBinaries, provision_prometheus

DEFAULT_PORT = 9090
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
RETENTION = "15d"
_RELOAD = re.compile(r"^prometheus_config_last_reload_success_timestamp_seconds (\S+)$", re.M)


class PrometheusNode:
    """One Prometheus process whose files live under ``state_dir``.

    Files: ``prometheus-data/`` (the TSDB), ``prometheus.yml`` (rendered config),
    ``prometheus.log``, ``prometheus.pid`` and ``prometheus.port`` (where it listens, for
    ``status`` and a later ``up``).
    """

    def __init__(self, state_dir: Path, *, binaries: PrometheusBinaries | None = None) -> None:
        self.state_dir = state_dir.resolve()
        self.binaries = binaries
        self.data_dir = self.state_dir / "prometheus-data"
        self.config_path = self.state_dir / "prometheus.yml"
        self.log_path = self.state_dir / "prometheus.log"
        self.pid_path = self.state_dir / "prometheus.pid"
        self.port_path = self.state_dir / "prometheus.port"

    @property
    def pid(self) -> int | None:
        """The pid recorded at the last start, whether or not it still runs."""
        return read_pid(self.pid_path)

    @property
    def port(self) -> int | None:
        """The port recorded at the last start."""
        return read_pid(self.port_path)  # same format: one integer and a newline

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def is_running(self) -> bool:
        """Return True if this node's Prometheus process is alive."""
        return is_running(self.pid, str(self.data_dir))

    def start(self, port: int, config: str) -> int:
        """Write ``config`` and start Prometheus detached on ``port``; return its pid."""
        if self.binaries is None:
            raise InfraError("PrometheusNode was created without binaries, so it can only stop")
        if self.is_running():
            raise InfraError(f"Prometheus in {self.state_dir} is already running (pid {self.pid})")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(config)
        self.port_path.write_text(f"{port}\n")
        argv = [
            str(self.binaries.prometheus),
            f"--config.file={self.config_path}",
            f"--storage.tsdb.path={self.data_dir}",
            f"--storage.tsdb.retention.time={RETENTION}",
            f"--web.listen-address={LOOPBACK}:{port}",
        ]
        return start_detached(argv, log_path=self.log_path, pid_path=self.pid_path)

    async def wait_ready(self, within: float = READY_TIMEOUT_S) -> None:
        """Wait until ``/-/ready`` answers 200 (TSDB open, rules and config loaded)."""
        deadline = time.monotonic() + within
        while True:
            if not self.is_running():
                raise InfraError(
                    f"Prometheus exited during start-up (log: {self.log_path})",
                    details=tail(self.log_path),
                )
            if await asyncio.to_thread(_get, f"{self.url}/-/ready") is not None:
                return
            if time.monotonic() >= deadline:
                raise InfraError(
                    f"Prometheus on {self.url} not ready after {within:.0f}s "
                    f"(log: {self.log_path})",
                    details=tail(self.log_path),
                )
            await asyncio.sleep(0.2)

    async def reload(self, config: str, within: float = READY_TIMEOUT_S) -> None:
        """Write ``config``, SIGHUP the process, and wait until it reports a good reload."""
        pid = self.pid
        assert pid is not None
        self.config_path.write_text(config)
        sent_at = time.time()
        os.kill(pid, signal.SIGHUP)
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            metrics = await asyncio.to_thread(_get, f"{self.url}/metrics")
            match = _RELOAD.search(metrics or "")
            if match is not None and float(match.group(1)) >= int(sent_at):
                return
            await asyncio.sleep(0.2)
        raise InfraError(
            f"Prometheus did not reload {self.config_path} (log: {self.log_path})",
            details=tail(self.log_path),
        )

    async def stop(self, grace: float = STOP_TIMEOUT_S, *, log: Log = print) -> None:
        """SIGTERM (Prometheus flushes its head block), SIGKILL after ``grace`` s."""
        await stop_process(
            self.pid, marker=str(self.data_dir), name="Prometheus", grace=grace, log=log
        )


def _get(url: str) -> str | None:
    """The body of a 200 answer, or None for anything else (not up yet, refused, 503)."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback URL
            return str(response.read().decode()) if response.status == 200 else None
    except OSError:
        return None


async def start_prometheus(
    state_dir: Path,
    targets: Mapping[str, Sequence[str]],
    *,
    port: int | None = DEFAULT_PORT,
    fallback_port: bool = True,
    log: Log = print,
) -> PrometheusNode:
    """Run Prometheus on the rendered config scraping ``targets`` (job -> ``host:port``).

    Installs Debian's package first if needed. Its own job is added on its port. A running
    Prometheus of ``state_dir`` is kept and reloaded unless an explicit, different ``port``
    is asked for; otherwise it starts on ``port`` (or a free one if that is taken and
    ``fallback_port`` is set; None means any free port). Returns once it is ready (a
    first scrape follows within the scrape interval).
    """
    binaries = await asyncio.to_thread(provision_prometheus, log=log)
    node = PrometheusNode(state_dir, binaries=binaries)
    if node.is_running():
        if fallback_port or port in (None, node.port):
            assert node.port is not None
            await node.reload(config_for(targets, node.port))
            log(f"[infra] Prometheus is already running on {node.url}; config reloaded")
            return node
        log(f"[infra] moving Prometheus from port {node.port} to {port}")
        await node.stop(log=log)
    chosen = choose_port(port, fallback=fallback_port, name="Prometheus", log=log)
    node.state_dir.mkdir(parents=True, exist_ok=True)
    node.start(chosen, config_for(targets, chosen))
    try:
        await node.wait_ready()
    except BaseException:
        await node.stop(log=log)
        raise
    return node


def config_for(targets: Mapping[str, Sequence[str]], port: int) -> str:
    """The config a Prometheus on ``port`` gets for ``targets``: they and itself."""
    return render_config({**targets, SELF_JOB: [f"{LOOPBACK}:{port}"]})


async def stop_prometheus(state_dir: Path, *, log: Log = print) -> None:
    """Stop the Prometheus of ``state_dir`` if it runs; its data is kept."""
    await PrometheusNode(state_dir).stop(log=log)
