"""Command line: ``python -m nigrani_localinfra up|down|status|provision``.

``up`` returns once Kafka and FerretDB answer, leaving them running in the
background, so ``make up`` and CI scripts can simply run it and go on. Progress goes
to stderr, the endpoints to stdout; failures are one ``error:`` line (plus the tail
of the relevant log when there is one) and a nonzero exit code.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import InfraError
from .ferretdb import FerretDBNode
from .kafka import KafkaNode
from .provision import provision
from .stack import read_state, start_stack, stop_stack

DEFAULT_STATE_DIR = Path(".run/infra")
DEFAULT_KAFKA_PORT = 9092
DEFAULT_MONGO_PORT = 27017

#: ``status`` exit code when the stack is not (fully) running, as LSB init scripts do.
EXIT_NOT_RUNNING = 3


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m nigrani_localinfra",
        description="Local Kafka (KRaft, from Maven jars) and FerretDB (MongoDB protocol).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def with_state_dir(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument(
            "--state-dir",
            type=Path,
            default=DEFAULT_STATE_DIR,
            help=f"data, logs and pid files (default: {DEFAULT_STATE_DIR})",
        )
        return sub

    up = with_state_dir(commands.add_parser("up", help="start (or reuse) the stack"))
    up.add_argument(
        "--kafka-port",
        type=int,
        help=f"Kafka port (default {DEFAULT_KAFKA_PORT}, or a free one if that is taken)",
    )
    up.add_argument(
        "--mongo-port",
        type=int,
        help=f"MongoDB port (default {DEFAULT_MONGO_PORT}, or a free one if that is taken)",
    )
    with_state_dir(commands.add_parser("down", help="stop the stack (data is kept)"))
    with_state_dir(commands.add_parser("status", help=f"exit {EXIT_NOT_RUNNING} if not running"))
    commands.add_parser("provision", help="only fetch the Kafka jars and build FerretDB")
    return parser


async def _up(args: argparse.Namespace) -> int:
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
    _progress(f"[infra] logs in {args.state_dir}/; stop with: python -m nigrani_localinfra down")
    return 0


def _status(state_dir: Path) -> int:
    state = read_state(state_dir.resolve())
    if state is None:
        print(f"no stack recorded in {state_dir}")
        return EXIT_NOT_RUNNING
    kafka = KafkaNode(state_dir, port=state.kafka_port, controller_port=0)
    ferretdb = FerretDBNode(state_dir, port=state.mongo_port)
    endpoints = state.endpoints
    running = 0
    for label, address, node in (
        ("Kafka  ", endpoints.kafka_bootstrap_servers, kafka),
        ("MongoDB", endpoints.mongodb_uri, ferretdb),
    ):
        alive = node.is_running()
        running += alive
        print(f"{label} {address}  {'running, pid ' + str(node.pid) if alive else 'stopped'}")
    return 0 if running == 2 else EXIT_NOT_RUNNING


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "up":
            return asyncio.run(_up(args))
        if args.command == "down":
            asyncio.run(stop_stack(args.state_dir, log=_progress))
            _progress(f"[infra] stopped the stack in {args.state_dir}")
            return 0
        if args.command == "status":
            return _status(args.state_dir)
        artifacts = provision(log=_progress)
        print(f"Kafka {artifacts.kafka_version} jars  {artifacts.kafka_libs}")
        print(f"FerretDB {artifacts.ferretdb_version}  {artifacts.ferretdb_binary}")
        return 0
    except InfraError as err:
        print(f"error: {err}", file=sys.stderr)
        if err.details:
            print(err.details, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
