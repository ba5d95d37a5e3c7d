"""One command line for the local system and its infrastructure.

    python -m nigrani_localinfra system up|down|status     services + infrastructure (make up)
    python -m nigrani_localinfra infra up|down|status      only Kafka and FerretDB
    python -m nigrani_localinfra provision [--only prometheus|k8s ...]
                                                           fetch the jars, build FerretDB and
                                                           the compose checker, install
                                                           Prometheus and promtool, build
                                                           kustomize, fetch KEDA's CRD
    python -m nigrani_localinfra browser                   Debian's chromium (apt-get if missing)

``up`` returns once everything answers, leaving it running in the background, and restarts
only what is dead: a running service, broker or store keeps its process. Progress goes to
stderr, endpoints to stdout; a failure is one ``error:`` line (plus the tail of the relevant
log when there is one) and exit code 1. ``status`` exits 3 when something is not running,
as LSB init scripts do.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from . import system
from .browser import ensure_chromium
from .errors import InfraError
from .ferretdb import FerretDBNode
from .k8s_tools import provision_k8s_tools
from .kafka import KafkaNode
from .prometheus_package import provision_prometheus
from .provision import compose_check_version, provision, provision_compose_check
from .stack import read_state, start_stack, stop_stack

PROG = "python -m nigrani_localinfra"
DEFAULT_RUN_DIR = Path(".run")
DEFAULT_KAFKA_PORT = 9092
DEFAULT_MONGO_PORT = 27017
EXIT_NOT_RUNNING = 3


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Run Nigrani locally: Kafka (KRaft, from Maven jars), FerretDB, services.",
    )
    scopes = parser.add_subparsers(
        dest="scope", required=True, metavar="{system,infra,provision,browser}"
    )
    system_parser = scopes.add_parser("system", help="the services and the infrastructure")
    system_parser.add_argument(
        "command", choices=["up", "down", "status"], help="start what is not running, stop, show"
    )
    system_parser.add_argument(
        "--run-dir",
        type=Path,
        default=DEFAULT_RUN_DIR,
        help=f"pid files, logs and the infrastructure's data (default: {DEFAULT_RUN_DIR})",
    )
    infra = scopes.add_parser("infra", help="only Kafka and FerretDB")
    infra.add_argument(
        "command", choices=["up", "down", "status"], help="start what is not running, stop, show"
    )
    infra.add_argument(
        "--state-dir",
        type=Path,
        default=DEFAULT_RUN_DIR / "infra",
        help=f"data, logs and pid files (default: {DEFAULT_RUN_DIR / 'infra'})",
    )
    infra.add_argument(
        "--kafka-port",
        type=int,
        help=f"Kafka port for up (default {DEFAULT_KAFKA_PORT}, or a free one if taken)",
    )
    infra.add_argument(
        "--mongo-port",
        type=int,
        help=f"MongoDB port for up (default {DEFAULT_MONGO_PORT}, or a free one if taken)",
    )
    provision_parser = scopes.add_parser(
        "provision",
        help="fetch the Kafka jars, build FerretDB, install Prometheus, build kustomize",
    )
    provision_parser.add_argument(
        "--only",
        choices=["prometheus", "k8s"],
        action="append",
        help="only Prometheus and promtool, or only kustomize and KEDA's CRD (repeatable; "
        "the tests need both even with external Kafka and MongoDB)",
    )
    scopes.add_parser("browser", help="Debian's chromium for the browser tests (apt-get)")
    return parser


async def _infra_up(args: argparse.Namespace) -> int:
    # Explicit ports must be honoured; the defaults may move if something else has them.
    explicit = args.kafka_port is not None or args.mongo_port is not None
    endpoints = await start_stack(
        args.state_dir,
        kafka_port=args.kafka_port if args.kafka_port is not None else DEFAULT_KAFKA_PORT,
        mongo_port=args.mongo_port if args.mongo_port is not None else DEFAULT_MONGO_PORT,
        fallback_ports=not explicit,
        log=_progress,
    )
    print(f"Kafka   {endpoints.kafka_bootstrap_servers}")
    print(f"MongoDB {endpoints.mongodb_uri}")
    _progress(f"[infra] logs in {args.state_dir}/; stop with: {PROG} infra down")
    return 0


def _infra_status(state_dir: Path) -> int:
    state = read_state(state_dir.resolve())
    if state is None:
        print(f"no stack recorded in {state_dir}")
        return EXIT_NOT_RUNNING
    endpoints = state.endpoints
    nodes = (
        (
            "Kafka  ",
            endpoints.kafka_bootstrap_servers,
            KafkaNode(state_dir, port=0, controller_port=0),
        ),
        ("MongoDB", endpoints.mongodb_uri, FerretDBNode(state_dir, port=0)),
    )
    running = 0
    for label, address, node in nodes:
        alive = node.is_running()
        running += alive
        print(f"{label} {address}  {'running, pid ' + str(node.pid) if alive else 'stopped'}")
    return 0 if running == len(nodes) else EXIT_NOT_RUNNING


async def _infra(args: argparse.Namespace) -> int:
    if args.command == "up":
        return await _infra_up(args)
    if args.command == "down":
        await stop_stack(args.state_dir, log=_progress)
        _progress(f"[infra] stopped the stack in {args.state_dir}")
        return 0
    return _infra_status(args.state_dir)


async def _system(run_dir: Path, args: argparse.Namespace) -> int:
    if args.command == "up":
        await system.up(run_dir)
        return 0
    if args.command == "down":
        await system.down(run_dir)
        return 0
    return 0 if await system.status(run_dir) else EXIT_NOT_RUNNING


def _provision(only: list[str] | None) -> int:
    if only is None:
        artifacts = provision(log=_progress)
        print(f"Kafka {artifacts.kafka_version} jars  {artifacts.kafka_libs}")
        print(f"FerretDB {artifacts.ferretdb_version}  {artifacts.ferretdb_binary}")
        checker = provision_compose_check(log=_progress)
        print(f"compose-go {compose_check_version()}  {checker}")
    if only is None or "prometheus" in only:
        binaries = provision_prometheus(log=_progress)
        print(f"Prometheus  {binaries.prometheus}  {binaries.promtool}")
    if only is None or "k8s" in only:
        tools = provision_k8s_tools(log=_progress)
        print(f"kustomize {tools.kustomize_version}  {tools.kustomize}")
        print(f"KEDA {tools.keda_version} CRD  {tools.keda_scaledobject_crd}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.scope == "system":
            run_dir: Path = args.run_dir.resolve()
            run_dir.mkdir(parents=True, exist_ok=True)
            return asyncio.run(_system(run_dir, args))
        if args.scope == "infra":
            return asyncio.run(_infra(args))
        if args.scope == "browser":
            print(f"Chromium  {ensure_chromium(log=_progress)}")
            return 0
        return _provision(args.only)
    except InfraError as err:
        print(f"error: {err}", file=sys.stderr)
        if err.details:
            print(err.details, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
