"""Where the verifier gets the key for a token: a shared secret, a PEM public key, or a
JWKS file. Each source also says which algorithms that key may be used with, so a key is
never offered to an algorithm of another family (PyJWT checks the token's `alg` against it).

Files are read once, when the app is built; a JWKS file is not re-read at run time, so a
key rotation at the provider means updating the file and restarting (rolling) the service.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import jwt
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from jwt.algorithms import get_default_algorithms

from nigrani_shared.auth.errors import StaffAuthConfigError
from nigrani_shared.auth.settings import SYMMETRIC_ALGORITHMS, StaffAuthSettings

VerificationKey = Any  # what jwt.decode accepts: bytes, a cryptography public key, a PyJWK


class KeySource(Protocol):
    def key_for(self, token: str) -> tuple[VerificationKey, Sequence[str]]:
        """The key to check this token with and the algorithms allowed with it; raises a
        `jwt.PyJWTError` when the token names no key we hold."""
        ...


@dataclass(frozen=True)
class SharedSecret:
    secret: bytes

    def key_for(self, token: str) -> tuple[VerificationKey, Sequence[str]]:
        return self.secret, sorted(SYMMETRIC_ALGORITHMS)


@dataclass(frozen=True)
class PublicKey:
    key: VerificationKey
    algorithms: tuple[str, ...]

    def key_for(self, token: str) -> tuple[VerificationKey, Sequence[str]]:
        return self.key, self.algorithms


@dataclass(frozen=True)
class KeySet:
    """Keys by `kid`. A token without a `kid` is accepted only when the set holds one key."""

    keys: dict[str, jwt.PyJWK]
    algorithms: tuple[str, ...]

    def key_for(self, token: str) -> tuple[VerificationKey, Sequence[str]]:
        kid = jwt.get_unverified_header(token).get("kid")
        if kid is None and len(self.keys) == 1:
            return next(iter(self.keys.values())), self.algorithms
        if not isinstance(kid, str) or kid not in self.keys:
            raise jwt.InvalidTokenError("no key for this kid")
        return self.keys[kid], self.algorithms


def load_key_source(settings: StaffAuthSettings) -> KeySource:
    asymmetric = tuple(a for a in settings.staff_jwt_algorithms if a not in SYMMETRIC_ALGORITHMS)
    if settings.staff_jwt_public_key_file is not None:
        return _public_key(settings.staff_jwt_public_key_file, asymmetric)
    if settings.staff_jwks_file is not None:
        return _key_set(settings.staff_jwks_file, asymmetric)
    if settings.staff_jwt_secret is None:  # settings refuse this; kept for the type checker
        raise StaffAuthConfigError("STAFF_JWT_SECRET is required for HS256 staff tokens")
    return SharedSecret(settings.staff_jwt_secret.get_secret_value().encode())


def _public_key(path: Path, algorithms: tuple[str, ...]) -> PublicKey:
    pem = path.read_bytes()
    usable: dict[str, VerificationKey] = {}
    for name in algorithms:
        try:
            usable[name] = get_default_algorithms()[name].prepare_key(pem)
        except (jwt.InvalidKeyError, ValueError, TypeError):
            continue
    if not usable:
        raise StaffAuthConfigError(
            f"STAFF_JWT_PUBLIC_KEY_FILE ({path}) holds no public key usable with"
            f" STAFF_JWT_ALGORITHMS={','.join(algorithms)}"
        )
    key = next(iter(usable.values()))
    if isinstance(key, RSAPrivateKey | EllipticCurvePrivateKey):
        raise StaffAuthConfigError(
            f"STAFF_JWT_PUBLIC_KEY_FILE ({path}) holds a private key: give the service"
            " only the public key"
        )
    return PublicKey(key=key, algorithms=tuple(usable))


def _key_set(path: Path, algorithms: tuple[str, ...]) -> KeySet:
    """The JWKS's signing keys for our algorithms; encryption and symmetric keys are
    dropped, so an `oct` key in a provider's set can never verify a token."""
    try:
        key_set = jwt.PyJWKSet.from_dict(json.loads(path.read_text()))
    except (ValueError, jwt.PyJWTError) as exc:
        raise StaffAuthConfigError(f"STAFF_JWKS_FILE ({path}) is not a usable JWKS") from exc
    keys: dict[str, jwt.PyJWK] = {}
    for key in key_set.keys:
        if key.key_type not in {"RSA", "EC"} or key.public_key_use not in {None, "sig"}:
            continue
        if key.algorithm_name not in algorithms:
            continue
        if isinstance(key.key, RSAPrivateKey | EllipticCurvePrivateKey):
            raise StaffAuthConfigError(
                f"STAFF_JWKS_FILE ({path}) holds a private key: give the service only public keys"
            )
        kid = key.key_id or ""
        if kid in keys:
            raise StaffAuthConfigError(f"STAFF_JWKS_FILE ({path}) has two keys with kid {kid!r}")
        keys[kid] = key
    if not keys:
        raise StaffAuthConfigError(
            f"STAFF_JWKS_FILE ({path}) has no signing key for"
            f" STAFF_JWT_ALGORITHMS={','.join(algorithms)}"
        )
    return KeySet(keys=keys, algorithms=algorithms)
