"""Staff-auth settings that must not start: confusable algorithms, missing keys, a
development secret in production, `none`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from nigrani_shared.auth.settings import StaffAuthSettings
from nigrani_shared.settings import NigraniSettings
from pydantic import ValidationError

from tests.support.staff_tokens import rsa_key, write_pem


class _Settings(NigraniSettings, StaffAuthSettings):
    """The shape of a service's settings class (base first, mixin after)."""


def _key(tmp_path: Path) -> Path:
    return write_pem(tmp_path / "key.pem", rsa_key())


def test_development_defaults_to_hs256_with_the_development_secret() -> None:
    settings = _Settings()
    assert settings.staff_jwt_algorithms == ("HS256",)
    assert settings.staff_jwt_uses_secret


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ValidationError, match="STAFF_JWT_SECRET must be set"):
        _Settings(environment="production", secret_key="real")
    _Settings(environment="production", secret_key="real", staff_jwt_secret="r" * 32)


def test_production_with_an_identity_provider_key_needs_no_secret(tmp_path: Path) -> None:
    _Settings(
        environment="production",
        secret_key="real",
        staff_jwt_algorithms="RS256",
        staff_jwt_public_key_file=_key(tmp_path),
    )


@pytest.mark.parametrize("field", ["staff_jwt_public_key_file", "staff_jwks_file"])
def test_hs256_next_to_a_public_key_is_refused(tmp_path: Path, field: str) -> None:
    with pytest.raises(ValidationError, match="algorithm confusion"):
        StaffAuthSettings(staff_jwt_algorithms="RS256,HS256", **{field: _key(tmp_path)})


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"staff_jwt_algorithms": "RS256"}, "needs STAFF_JWT_PUBLIC_KEY_FILE or STAFF_JWKS_FILE"),
        ({"staff_jwt_algorithms": "none"}, "Input should be"),
        ({"staff_jwt_algorithms": "HS256,none"}, "Input should be"),
        ({"staff_jwt_algorithms": ""}, "at least 1"),
        ({"staff_jwt_secret": "short"}, "at least 32"),
        ({"staff_jwt_secret": ""}, "STAFF_JWT_SECRET is required"),
        ({"staff_jwt_public_key_file": "/no/such/key.pem"}, "Path does not point to a file"),
    ],
)
def test_unusable_settings_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        StaffAuthSettings(**options)


def test_both_a_key_file_and_a_jwks_file_is_ambiguous(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="not both"):
        StaffAuthSettings(
            staff_jwt_algorithms="RS256",
            staff_jwt_public_key_file=_key(tmp_path),
            staff_jwks_file=_key(tmp_path),
        )


def test_settings_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STAFF_JWT_ALGORITHMS", "rs256, ES256")
    monkeypatch.setenv("STAFF_JWT_PUBLIC_KEY_FILE", str(_key(tmp_path)))
    monkeypatch.setenv("STAFF_JWT_AUDIENCE", "nigrani")
    settings = _Settings()
    assert settings.staff_jwt_algorithms == ("RS256", "ES256")
    assert settings.staff_jwt_audience == "nigrani"
