"""Every `nigrani` command explains itself with --help, and fails in one line with a
non-zero exit, naming what to fix and never quoting a secret."""

from __future__ import annotations

import socket

import pytest
import typer
from nigrani_cli.app import app
from typer.testing import CliRunner

from tests.support.cli import one_line


def command_paths() -> list[list[str]]:
    """Every command and group of the app, as argument lists."""
    root = typer.main.get_command(app)
    found: list[list[str]] = []

    def walk(command: object, path: list[str]) -> None:
        found.append(path)
        for name, sub in getattr(command, "commands", {}).items():  # a group's commands
            walk(sub, [*path, name])

    walk(root, [])
    return found


def test_the_commands_the_operators_are_promised_exist() -> None:
    paths = {" ".join(path) for path in command_paths()}
    assert {
        "topics create",
        "topics list",
        "dead-letters replay",
        "tokens issue",
        "webhooks add",
        "webhooks list",
        "webhooks disable",
        "webhooks enable",
        "webhooks rotate",
        "webhooks remove",
        "read-model rebuild",
        "lag",
    } <= paths


@pytest.mark.parametrize("path", command_paths(), ids=lambda path: " ".join(path) or "nigrani")
def test_every_command_has_help(path: list[str]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: nigrani" in result.stdout


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    "args", [["topics", "create"], ["lag"], ["dead-letters", "replay", "--group", "routing"]]
)
def test_a_broker_that_does_not_answer_is_one_line_and_exit_1(args: list[str]) -> None:
    env = {"ENVIRONMENT": "test", "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{closed_port()}"}
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        "Kafka failed (KafkaConnectionError); is KAFKA_BOOTSTRAP_SERVERS right?"
    )
    assert "Traceback" not in result.output


def test_a_store_that_does_not_answer_is_one_line_without_the_password() -> None:
    env = {
        "ENVIRONMENT": "test",
        "MONGODB_URI": f"mongodb://u:pw-canary@127.0.0.1:{closed_port()}/?directConnection=true"
        "&serverSelectionTimeoutMS=500",
    }
    result = CliRunner().invoke(app, ["webhooks", "list"], env=env)
    assert result.exit_code == 1
    line = one_line(result.stderr)
    assert line.startswith("the store did not answer (")
    assert "pw-canary" not in result.output


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {
                "ENVIRONMENT": "production",
                "SECRET_KEY": "a-real-secret",
                "MONGODB_URI": "mongodb://u:pw-canary@db/?w=1",
            },
            "refused: MONGODB_URI asks for w=1: production writes need w=majority",
        ),
        (
            {"ENVIRONMENT": "test", "KAFKA_TOPIC_PARTITIONS": "0"},
            "refused: KAFKA_TOPIC_PARTITIONS: Input should be greater than or equal to 1",
        ),
        (
            {
                "ENVIRONMENT": "production",
                "SECRET_KEY": "pw-canary",
                "KAFKA_REPLICATION_FACTOR": "1",
                "KAFKA_MIN_INSYNC_REPLICAS": "1",
            },
            "refused: production needs KAFKA_REPLICATION_FACTOR >= 2",
        ),
    ],
)
def test_settings_that_must_not_run_are_one_line_naming_the_variable(
    env: dict[str, str], message: str
) -> None:
    result = CliRunner().invoke(app, ["topics", "create"], env=env)
    assert result.exit_code == 2
    assert one_line(result.stderr).startswith(message)
    assert "pw-canary" not in result.output


def test_an_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["topics", "destroy"])
    assert result.exit_code == 2
