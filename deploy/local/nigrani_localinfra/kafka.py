"""A single-node KRaft Kafka broker run straight from the Maven jars.

:class:`KafkaNode` is public because tests need more than start/stop of the whole
stack: they stop only the broker while requests are in flight and bring it back on
the same port with the same data, to prove the services ride out a broker outage.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
import uuid
from pathlib import Path
from string import Template

from aiokafka.admin import AIOKafkaAdminClient

from .errors import InfraError
from .ports import LOOPBACK
from .prerequisites import require_java
from .processes import is_running, read_pid, start_detached, stop_process, tail
from .provision import Artifacts, Log

READY_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 30.0
HEAP_MAX = "512m"
HEAP_MIN = "256m"
_READINESS_GROUP = "nigrani-localinfra-readiness"


def new_cluster_id() -> str:
    """Return a Kafka cluster id: a random UUID as 22 base64url chars, no padding.

    Same format as ``kafka-storage.sh random-uuid`` without starting a JVM; ids that
    start with '-' are avoided, as Kafka does, so they never look like CLI flags.
    """
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


class KafkaNode:
    """One KRaft broker+controller whose files all live under ``state_dir``.

    Files: ``kafka-data/`` (log dir, formatted once), ``kafka-server.properties``
    (rendered on every start so ports can change), ``kafka.log`` (broker stdout and
    stderr, appended), ``kafka.pid``.
    """

    def __init__(
        self,
        state_dir: Path,
        *,
        port: int,
        controller_port: int,
        artifacts: Artifacts | None = None,
    ) -> None:
        self.state_dir = state_dir.resolve()
        self.port = port
        self.controller_port = controller_port
        self.artifacts = artifacts
        self.data_dir = self.state_dir / "kafka-data"
        self.props_path = self.state_dir / "kafka-server.properties"
        self.log_path = self.state_dir / "kafka.log"
        self.pid_path = self.state_dir / "kafka.pid"

    @property
    def bootstrap_servers(self) -> str:
        """``host:port`` for Kafka clients."""
        return f"{LOOPBACK}:{self.port}"

    @property
    def pid(self) -> int | None:
        """The pid recorded at the last start, whether or not it still runs."""
        return read_pid(self.pid_path)

    @property
    def _marker(self) -> str:
        # Unique per state dir, and on the broker's command line.
        return str(self.props_path)

    def is_running(self) -> bool:
        """Return True if this node's broker process is alive."""
        return is_running(self.pid, self._marker)

    def _require_artifacts(self) -> Artifacts:
        if self.artifacts is None:
            raise InfraError("KafkaNode made without artifacts can only be stopped")
        return self.artifacts

    def _render_properties(self, artifacts: Artifacts) -> None:
        template = Template(artifacts.kafka_server_template.read_text())
        self.props_path.write_text(
            template.substitute(
                port=self.port,
                controller_port=self.controller_port,
                data_dir=self.data_dir,
            )
        )

    async def _format_storage_once(self, java: str, artifacts: Artifacts) -> None:
        """Format the log dir for KRaft unless it already is (keeps data on restarts)."""
        if (self.data_dir / "meta.properties").is_file():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        argv = [
            java, "-Xmx256m",
            f"-Dlog4j2.configurationFile={artifacts.kafka_log4j_config}",
            "-cp", f"{artifacts.kafka_libs}/*",
            "kafka.tools.StorageTool", "format",
            "-t", new_cluster_id(),
            "-c", str(self.props_path),
        ]  # fmt: skip
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await proc.communicate()
        with self.log_path.open("ab") as log_file:
            log_file.write(b"==== kafka-storage format\n" + output)
        if proc.returncode != 0:
            lines = output.decode(errors="replace").splitlines()
            raise InfraError(
                f"formatting Kafka storage in {self.data_dir} failed",
                details="\n".join(lines[-20:]),
            )

    async def start(self) -> int:
        """Render the config, format storage if new, start the broker; return its pid.

        Does not wait for readiness (see :meth:`wait_ready`). Raises if this node is
        already running.
        """
        if self.is_running():
            raise InfraError(f"Kafka in {self.state_dir} is already running (pid {self.pid})")
        artifacts = self._require_artifacts()
        java = require_java()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._render_properties(artifacts)
        await self._format_storage_once(java, artifacts)
        argv = [
            java, f"-Xms{HEAP_MIN}", f"-Xmx{HEAP_MAX}",
            "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={artifacts.kafka_log4j_config}",
            "-cp", f"{artifacts.kafka_libs}/*",
            "kafka.Kafka", str(self.props_path),
        ]  # fmt: skip
        return start_detached(argv, log_path=self.log_path, pid_path=self.pid_path)

    async def wait_ready(self, within: float = READY_TIMEOUT_S) -> None:
        """Wait until the broker answers real admin requests, or raise with its log tail.

        Ready means: a Metadata request lists this broker, and FindCoordinator for a
        consumer group succeeds (which also creates ``__consumer_offsets``), so the
        first consumer group of a test does not pay for that.
        """
        deadline = time.monotonic() + within
        last_error = "no attempt yet"
        while True:
            if not self.is_running():
                raise InfraError(
                    f"Kafka broker exited during start-up (log: {self.log_path})",
                    details=tail(self.log_path),
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise InfraError(
                    f"Kafka on {self.bootstrap_servers} not ready after {within:.0f}s: "
                    f"{last_error} (log: {self.log_path})",
                    details=tail(self.log_path),
                )
            try:
                async with asyncio.timeout(min(remaining, 15.0)):
                    await probe_kafka(self.bootstrap_servers)
            except Exception as exc:  # any failure means "not yet"
                last_error = f"{type(exc).__name__}: {exc}"
                await asyncio.sleep(0.5)
            else:
                return

    async def stop(self, grace: float = STOP_TIMEOUT_S, *, log: Log = print) -> None:
        """SIGTERM the broker (controlled shutdown), SIGKILL after ``grace`` s."""
        await stop_process(self.pid, marker=self._marker, name="Kafka", grace=grace, log=log)


async def _port_accepts(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection(LOOPBACK, port)
    except OSError:
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


async def probe_kafka(bootstrap_servers: str) -> None:
    """One readiness probe: metadata lists a broker and a group coordinator is found."""
    # A bare connect first: aiokafka logs every refused connection at ERROR, which
    # would flood the output while the broker is still starting.
    port = int(bootstrap_servers.rpartition(":")[2])
    if not await _port_accepts(port):
        raise InfraError(f"nothing listens on {bootstrap_servers} yet")
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers,
        client_id="nigrani-localinfra",
        request_timeout_ms=5000,
    )
    try:
        await admin.start()
        cluster = await admin.describe_cluster()
        if not cluster.get("brokers"):
            raise InfraError("metadata lists no broker yet")
        await admin.find_coordinator(_READINESS_GROUP)
    finally:
        await admin.close()
