"""The whole local stack: Kafka + FerretDB started, recorded, reused and stopped.

``state_dir/infra.json`` records what was started (ports, pids, artifact paths) so
that a later ``up`` can reuse a healthy stack instead of starting a second one,
``down`` can stop it from another process, and a test can stop and restart only
the broker on the same port. Pid files next to it stay authoritative for "is it
running", since the broker may have been restarted since infra.json was written.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .errors import InfraError
from .ferretdb import FerretDBNode, mongodb_uri
from .kafka import KafkaNode
from .ports import LOOPBACK, choose_port, free_ports, port_is_free
from .provision import Artifacts, Log, provision

STATE_FILE = "infra.json"
#: How long an existing stack may take to answer before it counts as unhealthy.
REUSE_PROBE_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class InfraEndpoints:
    """Where the services should connect."""

    kafka_bootstrap_servers: str  # "127.0.0.1:PORT"
    mongodb_uri: str  # "mongodb://127.0.0.1:PORT/?directConnection=true"


@dataclass(frozen=True)
class StackState:
    """What ``infra.json`` records about a started stack."""

    kafka_port: int
    kafka_controller_port: int
    mongo_port: int
    kafka_pid: int | None
    ferretdb_pid: int | None
    artifacts: Artifacts

    @property
    def endpoints(self) -> InfraEndpoints:
        """Client endpoints of this stack."""
        return InfraEndpoints(
            kafka_bootstrap_servers=f"{LOOPBACK}:{self.kafka_port}",
            mongodb_uri=mongodb_uri(self.mongo_port),
        )


def _absolute(path: Path) -> Path:
    return path.resolve()


def _state_path(state_dir: Path) -> Path:
    return state_dir / STATE_FILE


def read_state(state_dir: Path) -> StackState | None:
    """Return the recorded stack in ``state_dir``, or None if none was recorded."""
    try:
        raw: dict[str, Any] = json.loads(_state_path(state_dir).read_text())
        artifacts_raw: dict[str, str] = raw["artifacts"]
        artifacts = Artifacts(
            kafka_version=artifacts_raw["kafka_version"],
            kafka_libs=Path(artifacts_raw["kafka_libs"]),
            kafka_log4j_config=Path(artifacts_raw["kafka_log4j_config"]),
            kafka_server_template=Path(artifacts_raw["kafka_server_template"]),
            ferretdb_version=artifacts_raw["ferretdb_version"],
            ferretdb_binary=Path(artifacts_raw["ferretdb_binary"]),
        )
        return StackState(
            kafka_port=int(raw["kafka"]["port"]),
            kafka_controller_port=int(raw["kafka"]["controller_port"]),
            mongo_port=int(raw["ferretdb"]["port"]),
            kafka_pid=raw["kafka"].get("pid"),
            ferretdb_pid=raw["ferretdb"].get("pid"),
            artifacts=artifacts,
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InfraError(f"{_state_path(state_dir)} is unreadable ({exc}); delete it") from exc


def _write_state(state_dir: Path, state: StackState) -> None:
    endpoints = state.endpoints
    data = {
        "kafka_bootstrap_servers": endpoints.kafka_bootstrap_servers,
        "mongodb_uri": endpoints.mongodb_uri,
        "kafka": {
            "port": state.kafka_port,
            "controller_port": state.kafka_controller_port,
            "pid": state.kafka_pid,
        },
        "ferretdb": {"port": state.mongo_port, "pid": state.ferretdb_pid},
        "artifacts": {k: str(v) for k, v in asdict(state.artifacts).items()},
        "written_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    path = _state_path(state_dir)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)


def _nodes(state_dir: Path, state: StackState) -> tuple[KafkaNode, FerretDBNode]:
    kafka = KafkaNode(
        state_dir,
        port=state.kafka_port,
        controller_port=state.kafka_controller_port,
        artifacts=state.artifacts,
    )
    ferretdb = FerretDBNode(state_dir, port=state.mongo_port, artifacts=state.artifacts)
    return kafka, ferretdb


def _require_state(state_dir: Path) -> StackState:
    state = read_state(state_dir)
    if state is None:
        raise InfraError(f"no stack recorded in {state_dir} (run start_stack / `up` first)")
    return state


def kafka_node(state_dir: Path) -> KafkaNode:
    """The broker of the stack recorded in ``state_dir`` (for stop/start/wait_ready)."""
    return _nodes(state_dir.resolve(), _require_state(state_dir.resolve()))[0]


def ferretdb_node(state_dir: Path) -> FerretDBNode:
    """The FerretDB of the stack recorded in ``state_dir``."""
    return _nodes(state_dir.resolve(), _require_state(state_dir.resolve()))[1]


async def running_endpoints(state_dir: Path) -> InfraEndpoints | None:
    """Endpoints of a stack in ``state_dir`` that is running and answering, else None."""
    state_dir = _absolute(state_dir)
    state = read_state(state_dir)
    if state is None:
        return None
    kafka, ferretdb = _nodes(state_dir, state)
    if not (kafka.is_running() and ferretdb.is_running()):
        return None
    try:
        await asyncio.gather(
            kafka.wait_ready(REUSE_PROBE_TIMEOUT_S), ferretdb.wait_ready(REUSE_PROBE_TIMEOUT_S)
        )
    except InfraError:
        return None
    return state.endpoints


async def _answers(node: KafkaNode | FerretDBNode) -> bool:
    if not node.is_running():
        return False
    try:
        await node.wait_ready(REUSE_PROBE_TIMEOUT_S)
    except InfraError:
        return False
    return True


async def _stop_for_restart(node: KafkaNode | FerretDBNode, name: str, *, log: Log) -> None:
    log(f"[infra] {name} is not answering; restarting only it, on port {node.port}")
    await node.stop(log=log)  # it may be alive but hung
    if not port_is_free(node.port):
        raise InfraError(f"{name} port {node.port} is now taken by another process")


async def _reuse(state_dir: Path, state: StackState, *, log: Log) -> InfraEndpoints | None:
    """The recorded stack with any dead node restarted alone; None if that is impossible."""
    kafka, ferretdb = _nodes(state_dir, state)
    kafka_ok, ferretdb_ok = await asyncio.gather(_answers(kafka), _answers(ferretdb))
    if kafka_ok and ferretdb_ok:
        log(f"[infra] reusing the stack already running in {state_dir}")
        return state.endpoints
    try:
        if not ferretdb_ok:
            await _stop_for_restart(ferretdb, "FerretDB", log=log)
            state = dataclasses.replace(state, ferretdb_pid=ferretdb.start())
        if not kafka_ok:
            await _stop_for_restart(kafka, "Kafka", log=log)
            state = dataclasses.replace(state, kafka_pid=await kafka.start())
        _write_state(state_dir, state)
        await asyncio.gather(
            *(
                node.wait_ready()
                for node, ok in ((ferretdb, ferretdb_ok), (kafka, kafka_ok))
                if not ok
            )
        )
    except InfraError as exc:
        log(f"[infra] could not restart it alone ({exc})")
        return None
    log(f"[infra] stack in {state_dir} answers again")
    return state.endpoints


async def start_stack(
    state_dir: Path,
    *,
    kafka_port: int | None = None,
    mongo_port: int | None = None,
    fallback_ports: bool = False,
    log: Log = print,
) -> InfraEndpoints:
    """Provision, start FerretDB and Kafka detached, wait until both answer.

    Ports default to free ones. A requested port that is taken is an error unless
    ``fallback_ports`` is set (the CLI's defaults 9092/27017 use it), in which case a
    free port is used and logged. If ``state_dir`` already holds a stack on compatible
    ports, whatever of it still answers is reused as is and only a node that died or
    stopped answering is restarted, on its recorded ports and data (so a crashed broker
    does not take FerretDB's clients down with it, nor the reverse). Only if that fails
    is the whole stack stopped and started afresh.
    Data directories under ``state_dir`` are kept, so data survives ``down``/``up``.
    On failure everything started here is stopped again and InfraError is raised.
    """
    state_dir = _absolute(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    previous = read_state(state_dir)
    if previous is not None:
        # With fallback ports the requested ones are only preferences, so a stack that had
        # to move to other ports is still the one to reuse.
        compatible = fallback_ports or (
            kafka_port in (None, previous.kafka_port) and mongo_port in (None, previous.mongo_port)
        )
        if compatible:
            endpoints = await _reuse(state_dir, previous, log=log)
            if endpoints is not None:
                return endpoints
        log(f"[infra] stopping the previous stack in {state_dir}")
        await stop_stack(state_dir, log=log)

    artifacts = await asyncio.to_thread(provision, log=log)
    chosen_kafka = choose_port(kafka_port, fallback=fallback_ports, name="Kafka", log=log)
    chosen_mongo = choose_port(mongo_port, fallback=fallback_ports, name="MongoDB", log=log)
    controller_port = free_ports(1)[0]
    state = StackState(
        kafka_port=chosen_kafka,
        kafka_controller_port=controller_port,
        mongo_port=chosen_mongo,
        kafka_pid=None,
        ferretdb_pid=None,
        artifacts=artifacts,
    )
    kafka, ferretdb = _nodes(state_dir, state)
    versions = f"FerretDB {artifacts.ferretdb_version} and Kafka {artifacts.kafka_version}"
    log(f"[infra] starting {versions}")
    started = time.monotonic()
    try:
        ferretdb_pid = ferretdb.start()
        kafka_pid = await kafka.start()
        state = StackState(
            **{**state.__dict__, "kafka_pid": kafka_pid, "ferretdb_pid": ferretdb_pid}
        )
        _write_state(state_dir, state)
        await asyncio.gather(ferretdb.wait_ready(), kafka.wait_ready())
    except BaseException:
        with contextlib.suppress(Exception):
            await asyncio.gather(kafka.stop(log=log), ferretdb.stop(log=log))
        _state_path(state_dir).unlink(missing_ok=True)
        raise
    log(f"[infra] stack ready in {time.monotonic() - started:.1f}s")
    return state.endpoints


async def stop_stack(state_dir: Path, *, log: Log = print) -> None:
    """Stop Kafka and FerretDB of ``state_dir`` (SIGTERM, SIGKILL fallback); idempotent.

    Works from the pid files alone if ``infra.json`` is missing. Data is kept.
    """
    state_dir = _absolute(state_dir)
    state = read_state(state_dir)
    if state is not None:
        kafka, ferretdb = _nodes(state_dir, state)
    else:
        # Ports are irrelevant for stopping; the pid files and markers are not.
        kafka = KafkaNode(state_dir, port=0, controller_port=0)
        ferretdb = FerretDBNode(state_dir, port=0)
    await asyncio.gather(kafka.stop(log=log), ferretdb.stop(log=log))
    _state_path(state_dir).unlink(missing_ok=True)


async def stop_kafka(state_dir: Path, *, log: Log = print) -> None:
    """Stop only the broker of ``state_dir``; FerretDB keeps running.

    Async so that clients running in the same event loop keep working (and keep
    failing realistically) while the broker shuts down.
    """
    await kafka_node(state_dir).stop(log=log)


async def start_kafka_again(state_dir: Path, *, within: float = 90.0, log: Log = print) -> None:
    """Restart the broker of ``state_dir`` on the same ports and data; wait until ready."""
    state_dir = _absolute(state_dir)
    state = _require_state(state_dir)
    kafka = _nodes(state_dir, state)[0]
    if kafka.is_running():
        log("[infra] Kafka is already running")
    else:
        pid = await kafka.start()
        _write_state(state_dir, dataclasses.replace(state, kafka_pid=pid))
    await kafka.wait_ready(within)
