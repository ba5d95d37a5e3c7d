"""Keys and tokens for staff-authentication tests, made fresh in each test run."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from jwt.algorithms import ECAlgorithm, HMACAlgorithm, RSAAlgorithm

SECRET = "a-test-only-staff-secret-of-enough-length"


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def public_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def write_pem(path: Path, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> Path:
    path.write_bytes(public_pem(key))
    return path


def public_jwk(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, kid: str, **extra: Any
) -> dict[str, Any]:
    if isinstance(key, rsa.RSAPrivateKey):
        jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
        alg = "RS256"
    else:
        jwk = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
        alg = "ES256"
    return {**jwk, "kid": kid, "alg": alg, "use": "sig", **extra}


def write_jwks(path: Path, *jwks: dict[str, Any]) -> Path:
    path.write_text(json.dumps({"keys": list(jwks)}))
    return path


def claims(**overrides: Any) -> dict[str, Any]:
    """Valid officer claims for an hour; an override of None removes the claim."""
    now = int(time.time())
    base: dict[str, Any] = {
        "sub": "staff-17",
        "roles": ["officer"],
        "department": "WASA-LHR",
        "iat": now,
        "exp": now + 3600,
    }
    base.update(overrides)
    return {name: value for name, value in base.items() if value is not None}


def sign(
    payload: dict[str, Any],
    key: PrivateKeyTypes | str,
    algorithm: str,
    kid: str | None = None,
) -> str:
    headers = {"kid": kid} if kid is not None else None
    return jwt.encode(payload, key, algorithm=algorithm, headers=headers)  # type: ignore[arg-type]


class _AnyKeyHMAC(HMACAlgorithm):
    """An attacker's HMAC: PyJWT refuses a PEM as an HMAC secret, an attacker does not."""

    def prepare_key(self, key: str | bytes) -> bytes:
        return key if isinstance(key, bytes) else key.encode()


def forge_hs256_with(secret: bytes, payload: dict[str, Any], kid: str | None = None) -> str:
    """An HS256 token whose HMAC secret is `secret` (a public key, in the confusion attack)."""
    forger = jwt.PyJWS()
    forger.unregister_algorithm("HS256")
    forger.register_algorithm("HS256", _AnyKeyHMAC(HMACAlgorithm.SHA256))
    headers = {"kid": kid} if kid is not None else None
    return forger.encode(json.dumps(payload).encode(), secret, algorithm="HS256", headers=headers)
