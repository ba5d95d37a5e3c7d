"""Runs the `nigrani` command the way an operator does: settings from the environment
only, output and exit code as the shell sees them."""

from __future__ import annotations

import asyncio
import uuid

from nigrani_cli.app import app
from typer.testing import CliRunner, Result

from tests.support.infra import Infra


def new_prefix() -> str:
    return f"c{uuid.uuid4().hex[:10]}"


def cli_env(infra: Infra, prefix: str, **extra: str) -> dict[str, str]:
    """The environment of a test system: its own topics and databases, one broker."""
    return {
        "ENVIRONMENT": "test",
        "KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap_servers,
        "MONGODB_URI": infra.mongodb_uri,
        "TOPIC_PREFIX": prefix,
        "KAFKA_REPLICATION_FACTOR": "1",
        "KAFKA_MIN_INSYNC_REPLICAS": "1",
        "INTAKE_DATABASE": f"{prefix}_intake",
        "NOTIFY_DATABASE": f"{prefix}_notify",
        **extra,
    }


def nigrani(env: dict[str, str], *args: str) -> Result:
    """`nigrani ARGS` in this process (from a test without a running event loop)."""
    return CliRunner().invoke(app, list(args), env=env)


async def nigrani_async(env: dict[str, str], *args: str) -> Result:
    """The same from an async test: the command runs its own event loop, so in a thread."""
    return await asyncio.to_thread(nigrani, env, *args)


def one_line(text: str) -> str:
    """The text, which must be exactly one line."""
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]
