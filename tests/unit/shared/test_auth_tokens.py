"""Token checks: every way a staff token can be wrong is refused, and right ones pass."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from nigrani_shared.auth.errors import InvalidStaffToken, StaffAuthConfigError
from nigrani_shared.auth.identity import Role, StaffIdentity
from nigrani_shared.auth.settings import StaffAuthSettings
from nigrani_shared.auth.verifier import TokenVerifier

from tests.support.staff_tokens import (
    SECRET,
    claims,
    ec_key,
    forge_hs256_with,
    public_jwk,
    public_pem,
    rsa_key,
    sign,
    write_jwks,
    write_pem,
)


def _now() -> int:
    """Read at each use: the suite may run for minutes after this module is imported."""
    return int(time.time())


def _verifier(**settings: Any) -> TokenVerifier:
    return TokenVerifier.from_settings(StaffAuthSettings(**settings))


def _hs256() -> TokenVerifier:
    return _verifier(staff_jwt_secret=SECRET)


def _refused(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(InvalidStaffToken) as refused:
        verifier.verify(token)
    return refused.value.reason


def test_a_valid_hs256_token_names_the_staff_member() -> None:
    identity = _hs256().verify(sign(claims(), SECRET, "HS256"))
    assert identity == StaffIdentity("staff-17", frozenset({Role.OFFICER}), "WASA-LHR")


def test_an_expired_token_is_refused_past_the_leeway_only() -> None:
    assert _refused(_hs256(), sign(claims(exp=_now() - 120), SECRET, "HS256")) == (
        "ExpiredSignatureError"
    )
    assert _hs256().verify(sign(claims(exp=_now() - 10), SECRET, "HS256")).subject == "staff-17"


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_a_token_not_yet_valid_is_refused(claim: str) -> None:
    token = sign(claims(**{claim: _now() + 600}), SECRET, "HS256")
    assert _refused(_hs256(), token) == "ImmatureSignatureError"


def test_a_token_signed_with_another_secret_is_refused() -> None:
    token = sign(claims(), "another-secret-that-is-also-long-enough", "HS256")
    assert _refused(_hs256(), token) == "InvalidSignatureError"


def test_an_unsigned_token_is_refused() -> None:
    token = jwt.encode(claims(), None, algorithm="none")  # type: ignore[arg-type]
    assert _refused(_hs256(), token) == "InvalidAlgorithmError"


@pytest.mark.parametrize("claim", ["exp", "iat", "sub"])
def test_a_token_without_a_required_claim_is_refused(claim: str) -> None:
    token = sign(claims(**{claim: None}), SECRET, "HS256")
    assert _refused(_hs256(), token) == "MissingRequiredClaimError"


@pytest.mark.parametrize("garbage", ["", "not-a-jwt", "a.b.c", "Bearer x"])
def test_garbage_is_refused(garbage: str) -> None:
    _refused(_hs256(), garbage)


@pytest.mark.parametrize("make_key", [rsa_key, ec_key], ids=["RS256", "ES256"])
def test_a_public_key_file_verifies_its_algorithm(tmp_path: Path, make_key: Any) -> None:
    key = make_key()
    algorithm = "RS256" if make_key is rsa_key else "ES256"
    verifier = _verifier(
        staff_jwt_algorithms=algorithm, staff_jwt_public_key_file=write_pem(tmp_path / "k", key)
    )
    assert verifier.verify(sign(claims(), key, algorithm)).department == "WASA-LHR"
    assert _refused(verifier, sign(claims(), make_key(), algorithm)) == "InvalidSignatureError"


def test_the_public_key_as_an_hs256_secret_forges_nothing(tmp_path: Path) -> None:
    """Algorithm confusion: the public key is public, so an HS256 token signed with it
    must not pass where RS256 is expected."""
    key = rsa_key()
    verifier = _verifier(
        staff_jwt_algorithms="RS256", staff_jwt_public_key_file=write_pem(tmp_path / "k", key)
    )
    forged = forge_hs256_with(public_pem(key), claims(roles=["oversight"]))
    assert _refused(verifier, forged) == "InvalidAlgorithmError"


def test_the_jwks_key_is_chosen_by_kid(tmp_path: Path) -> None:
    first, second = rsa_key(), ec_key()
    jwks = write_jwks(tmp_path / "jwks.json", public_jwk(first, "a"), public_jwk(second, "b"))
    verifier = _verifier(staff_jwt_algorithms="RS256,ES256", staff_jwks_file=jwks)
    assert verifier.verify(sign(claims(sub="one"), first, "RS256", kid="a")).subject == "one"
    assert verifier.verify(sign(claims(sub="two"), second, "ES256", kid="b")).subject == "two"
    assert _refused(verifier, sign(claims(), first, "RS256", kid="b")) == "InvalidAlgorithmError"
    assert _refused(verifier, sign(claims(), first, "RS256", kid="zz")) == "InvalidTokenError"
    assert _refused(verifier, sign(claims(), first, "RS256")) == "InvalidTokenError"


def test_a_key_signed_under_another_kid_of_the_same_kind_is_refused(tmp_path: Path) -> None:
    first, second = rsa_key(), rsa_key()
    jwks = write_jwks(tmp_path / "jwks.json", public_jwk(first, "a"), public_jwk(second, "b"))
    verifier = _verifier(staff_jwt_algorithms="RS256", staff_jwks_file=jwks)
    assert _refused(verifier, sign(claims(), first, "RS256", kid="b")) == "InvalidSignatureError"


def test_a_single_key_jwks_accepts_a_token_without_kid(tmp_path: Path) -> None:
    key = ec_key()
    jwks = write_jwks(tmp_path / "jwks.json", public_jwk(key, "only"))
    verifier = _verifier(staff_jwt_algorithms="ES256", staff_jwks_file=jwks)
    assert verifier.verify(sign(claims(), key, "ES256")).subject == "staff-17"


def test_a_jwks_forgery_with_hs256_is_refused(tmp_path: Path) -> None:
    key = rsa_key()
    jwks = write_jwks(tmp_path / "jwks.json", public_jwk(key, "a"))
    verifier = _verifier(staff_jwt_algorithms="RS256", staff_jwks_file=jwks)
    forged = forge_hs256_with(public_pem(key), claims(), kid="a")
    assert _refused(verifier, forged) == "InvalidAlgorithmError"


def test_symmetric_and_encryption_keys_in_a_jwks_are_never_used(tmp_path: Path) -> None:
    oct_key = {"kty": "oct", "kid": "s", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ"}
    enc = public_jwk(rsa_key(), "e", use="enc")
    jwks = write_jwks(tmp_path / "jwks.json", oct_key, enc)
    with pytest.raises(StaffAuthConfigError, match="no signing key"):
        _verifier(staff_jwt_algorithms="RS256", staff_jwks_file=jwks)


def test_a_private_key_file_is_refused_at_start_up(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    path = tmp_path / "private.pem"
    path.write_bytes(
        rsa_key().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(StaffAuthConfigError, match="private key"):
        _verifier(staff_jwt_algorithms="RS256", staff_jwt_public_key_file=path)


def test_a_key_of_the_wrong_family_is_refused_at_start_up(tmp_path: Path) -> None:
    with pytest.raises(StaffAuthConfigError, match="no public key usable"):
        _verifier(
            staff_jwt_algorithms="RS256",
            staff_jwt_public_key_file=write_pem(tmp_path / "k", ec_key()),
        )


ISSUER = "https://sso.example/realms/nigrani"


def _issuer_and_audience() -> TokenVerifier:
    return _verifier(staff_jwt_secret=SECRET, staff_jwt_issuer=ISSUER, staff_jwt_audience="nigrani")


def test_a_token_from_the_configured_issuer_for_our_audience_passes() -> None:
    token = sign(claims(iss=ISSUER, aud=["nigrani", "account"]), SECRET, "HS256")
    assert _issuer_and_audience().verify(token).subject == "staff-17"


@pytest.mark.parametrize(
    ("wrong", "reason"),
    [
        ({"iss": "https://sso.example/realms/other"}, "InvalidIssuerError"),
        ({"iss": None}, "MissingRequiredClaimError"),
        ({"aud": "another-client"}, "InvalidAudienceError"),
        ({"aud": None}, "MissingRequiredClaimError"),
    ],
)
def test_issuer_and_audience_are_checked_when_configured(
    wrong: dict[str, Any], reason: str
) -> None:
    token = sign(claims(**{"iss": ISSUER, "aud": "nigrani", **wrong}), SECRET, "HS256")
    assert _refused(_issuer_and_audience(), token) == reason


def test_an_audience_is_not_required_when_none_is_configured() -> None:
    """Keycloak always sets `aud`; with no audience configured it is not held against it."""
    assert _hs256().verify(sign(claims(aud="account"), SECRET, "HS256")).subject == "staff-17"


def test_a_token_valid_for_longer_than_a_working_day_is_refused() -> None:
    """However it was signed, a token for a year is a leaked credential in waiting."""
    now = _now()
    long_lived = sign(claims(iat=now, exp=now + 25 * 3600), SECRET, "HS256")
    assert _refused(_hs256(), long_lived) == "lifetime"
    day = sign(claims(iat=now, exp=now + 24 * 3600), SECRET, "HS256")
    assert _hs256().verify(day).subject == "staff-17"
