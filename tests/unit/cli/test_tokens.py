"""`nigrani tokens issue`: a local token the service accepts, and refusals where a local
token must not exist."""

from __future__ import annotations

from pathlib import Path

import pytest
from nigrani_cli.app import app
from nigrani_routing.config import RoutingSettings
from nigrani_shared.auth.identity import Role
from nigrani_shared.auth.verifier import TokenVerifier
from typer.testing import CliRunner

from tests.support.staff_tokens import SECRET, rsa_key, write_pem

ISSUE = ["tokens", "issue", "--subject", "staff-9", "--role", "officer", "--role", "supervisor"]


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENVIRONMENT", "STAFF_JWT_ALGORITHMS", "STAFF_JWT_PUBLIC_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STAFF_JWT_SECRET", SECRET)
    monkeypatch.setenv("STAFF_JWT_ISSUER", "nigrani-local")


def test_an_issued_token_round_trips_through_the_verifier() -> None:
    result = CliRunner().invoke(app, [*ISSUE, "--department", "WASA-LHR", "--hours", "1"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert result.stdout == token + "\n"
    assert token.count(".") == 2

    identity = TokenVerifier.from_settings(RoutingSettings()).verify(token)
    assert identity.subject == "staff-9"
    assert identity.roles == {Role.OFFICER, Role.SUPERVISOR}
    assert identity.department == "WASA-LHR"


def test_production_gets_no_local_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", "a-real-secret")
    result = CliRunner().invoke(app, [*ISSUE, "--department", "WASA-LHR"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "not issued in production" in result.stderr
    assert SECRET not in result.stderr


def test_a_settings_error_is_reported_without_quoting_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    result = CliRunner().invoke(app, [*ISSUE, "--department", "WASA-LHR"])
    assert result.exit_code == 2
    # pydantic's own text would add the input, the staff secret among it (abbreviated)
    assert result.stderr == ("refused: SECRET_KEY must be set to a real secret in production\n")


def test_no_local_token_where_the_service_takes_only_provider_keys(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("STAFF_JWT_ALGORITHMS", "RS256")
    monkeypatch.setenv("STAFF_JWT_PUBLIC_KEY_FILE", str(write_pem(tmp_path / "k.pem", rsa_key())))
    result = CliRunner().invoke(app, [*ISSUE, "--department", "WASA-LHR"])
    assert result.exit_code == 2
    assert "no HS256 secret" in result.stderr


def test_an_unknown_role_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["tokens", "issue", "--subject", "s", "--role", "root"])
    assert result.exit_code == 2
    assert result.stdout == ""
