"""`nigrani webhooks` against the real store: `add` and `rotate` show the secret
once, `list` never does, and failures are one clear line with a non-zero exit."""

from __future__ import annotations

import re
import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from nigrani_cli.app import app
from nigrani_notify.webhooks.store import COLLECTION
from pymongo import MongoClient
from typer.testing import CliRunner, Result

from tests.support.infra import Infra

pytestmark = pytest.mark.integration

Document = dict[str, Any]
URL = "https://receiver.example.org/hook"


@pytest.fixture
def env(infra: Infra) -> dict[str, str]:
    return {
        "MONGODB_URI": infra.mongodb_uri,
        "NOTIFY_DATABASE": f"t{uuid.uuid4().hex[:10]}_notify",
        "ENVIRONMENT": "test",
    }


@pytest.fixture
def stored(infra: Infra, env: dict[str, str]) -> Iterator[Any]:
    client: MongoClient[Document] = MongoClient(infra.mongodb_uri, tz_aware=True)
    try:
        yield client[env["NOTIFY_DATABASE"]][COLLECTION]
    finally:
        client.close()


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(app, ["webhooks", *args], env=env)


def added(env: dict[str, str], *events: str) -> tuple[str, str]:
    options = [x for e in events or ("org.nigrani.sla.*",) for x in ("--events", e)]
    result = run(env, "add", "--url", URL, *options, "--description", "Ombudsman board")
    assert result.exit_code == 0, result.output
    subscription_id = re.search(r"added (sub_\w+)", result.output)
    secret = re.search(r"secret: (whsec_\S+)", result.output)
    assert subscription_id, result.output
    assert secret, result.output
    return subscription_id.group(1), secret.group(1)


def test_add_shows_the_secret_once_and_list_never(env: dict[str, str], stored: Any) -> None:
    subscription_id, secret = added(env, "org.nigrani.sla.*", "org.nigrani.request.routed.v2")

    listed = run(env, "list")

    assert listed.exit_code == 0, listed.output
    [line] = listed.output.splitlines()
    assert line.startswith(f"{subscription_id}  active  {URL}  ")
    assert "org.nigrani.sla.*,org.nigrani.request.routed.v2" in line
    assert "Ombudsman board" in line
    assert "whsec_" not in listed.output
    assert stored.find_one({"_id": subscription_id})["secret"] == secret


def test_disable_enable_rotate_remove(env: dict[str, str], stored: Any) -> None:
    subscription_id, secret = added(env)

    assert run(env, "disable", subscription_id).exit_code == 0
    assert "disabled (admin)" in run(env, "list").output
    assert run(env, "enable", subscription_id).exit_code == 0
    assert "  active  " in run(env, "list").output

    rotated = run(env, "rotate", subscription_id)
    assert rotated.exit_code == 0, rotated.output
    new_secret = re.search(r"secret: (whsec_\S+)", rotated.output)
    assert new_secret
    assert new_secret.group(1) != secret
    document = stored.find_one({"_id": subscription_id})
    assert document["secret"] == new_secret.group(1)
    assert [p["secret"] for p in document["previous_secrets"]] == [secret]
    assert "whsec_" not in run(env, "list").output

    assert run(env, "remove", subscription_id).exit_code == 0
    assert run(env, "list").output == ""


@pytest.mark.parametrize("command", ["disable", "enable", "rotate", "remove"])
def test_an_unknown_id_is_one_line_and_exit_1(env: dict[str, str], command: str) -> None:
    result = run(env, command, "sub_nothere")
    assert result.exit_code == 1
    assert result.output.strip() == "no subscription has the id sub_nothere"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--url", "ftp://x.example.org", "--events", "org.nigrani.sla.*"], "https or http"),
        (["--url", URL, "--events", "org.nigrani.nope.v1"], "unknown event type"),
        (["--url", URL, "--events", "org.nigrani.notification.*"], "no deliverable event"),
    ],
)
def test_a_refused_add_is_one_line_and_exit_2(
    env: dict[str, str], stored: Any, args: list[str], message: str
) -> None:
    result = run(env, "add", *args)
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert message in result.output
    assert stored.count_documents({}) == 0


def test_http_is_refused_in_production(env: dict[str, str]) -> None:
    production = {
        **env,
        "ENVIRONMENT": "production",
        "SECRET_KEY": "a-real-secret-for-prod",
        "INTERNAL_API_TOKEN": "a-real-internal-token-for-production-0123",
    }
    result = run(production, "add", "--url", "http://x.example.org/", "--events", "org.nigrani.*")
    assert result.exit_code == 2
    assert "must use https" in result.output


def test_an_unreachable_store_fails_within_seconds(env: dict[str, str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = {
        **env,
        "MONGODB_URI": f"mongodb://u:pw-canary@127.0.0.1:{port}/?directConnection=true",
    }
    started = time.monotonic()
    result = run(closed, "list")
    assert result.exit_code == 1
    assert "store did not answer" in result.output
    assert "pw-canary" not in result.output
    assert time.monotonic() - started < 10
