"""POST /admin/v1/rules/reload: 404 without a configured token, 401 with a wrong one,
200 with the new version, 422 with the file's line and the version still in force."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from nigrani_routing.config import RoutingSettings
from nigrani_routing.main import create_app
from nigrani_routing.rules.loader import DEFAULT_AREAS_PATH, DEFAULT_RULES_PATH

TOKEN = "a-token-of-at-least-thirty-two-characters"


def _client(rules: Path, token: str | None) -> httpx.AsyncClient:
    """The app without its lifespan: the reload route needs no store or broker."""
    settings = RoutingSettings(
        environment="test", rules_path=rules, areas_path=DEFAULT_AREAS_PATH, admin_api_token=token
    )
    transport = httpx.ASGITransport(app=create_app(settings))
    return httpx.AsyncClient(transport=transport, base_url="http://routing")


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    path = tmp_path / "routing.yaml"
    path.write_bytes(DEFAULT_RULES_PATH.read_bytes())
    return path


@pytest.fixture
async def client(rules: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(rules, TOKEN) as client:
        yield client


async def test_without_a_configured_token_the_endpoint_does_not_exist(rules: Path) -> None:
    async with _client(rules, None) as client:
        response = await client.post(
            "/admin/v1/rules/reload", headers={"Authorization": f"Bearer {TOKEN}"}
        )
    assert response.status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", TOKEN])
async def test_a_missing_or_wrong_token_is_refused(
    client: httpx.AsyncClient, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    response = await client.post("/admin/v1/rules/reload", headers=headers)
    assert response.status_code == 401
    assert TOKEN not in response.text


async def test_a_good_file_answers_the_new_version_and_a_bad_one_its_line(
    client: httpx.AsyncClient, rules: Path
) -> None:
    admin = {"Authorization": f"Bearer {TOKEN}"}
    _write(rules, _read(rules).replace("name: Central Triage Desk", "name: Triage"))
    good = await client.post("/admin/v1/rules/reload", headers=admin)
    assert good.status_code == 200
    version = good.json()["version"]
    assert version != good.json()["previous_version"]
    departments = (await client.get("/v1/departments")).json()
    assert {"code": "TRIAGE", "name": "Triage"} in departments

    _write(rules, "departments: [\n")
    bad = await client.post("/admin/v1/rules/reload", headers=admin)
    assert bad.status_code == 422
    assert bad.json()["detail"].startswith("routing.yaml line 2: not valid YAML")
    assert bad.json()["version_in_force"] == version
