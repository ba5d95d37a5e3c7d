"""Staff-token options, as a mixin a service's settings class inherits next to the shared base.

Locally, tokens are HS256 with `STAFF_JWT_SECRET` (a development default, refused in
production). In production an OIDC provider signs them (RS256/ES256) and the service holds
only its public key (`STAFF_JWT_PUBLIC_KEY_FILE`, PEM) or its key set
(`STAFF_JWKS_FILE`, chosen by `kid`). `STAFF_JWT_ALGORITHMS` is comma-separated.

HS256 is refused next to a public key: a verifier that accepts both can be fooled by an
HS256 token whose HMAC secret is the (public) key, so anyone could forge a token.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, FilePath, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

DEVELOPMENT_STAFF_JWT_SECRET = "development-only-staff-jwt-secret-change-me"  # noqa: S105

StaffJwtAlgorithm = Literal["HS256", "RS256", "ES256"]
SYMMETRIC_ALGORITHMS: frozenset[str] = frozenset({"HS256"})


def is_production(settings: object) -> bool:
    """Whether the settings describe production. The mixin does not own `environment`
    (`NigraniSettings` does), so it reads it from the combined settings object."""
    return getattr(settings, "environment", None) == "production"


class StaffAuthSettings(BaseModel):
    staff_jwt_algorithms: Annotated[tuple[StaffJwtAlgorithm, ...], NoDecode] = Field(
        default=("HS256",), min_length=1
    )
    staff_jwt_secret: SecretStr | None = Field(
        default=SecretStr(DEVELOPMENT_STAFF_JWT_SECRET),
        min_length=32,
        description="HS256 secret; at least 32 characters (256 bits, RFC 7518).",
    )
    staff_jwt_public_key_file: FilePath | None = None
    staff_jwks_file: FilePath | None = None
    staff_jwt_issuer: str | None = Field(default=None, min_length=1)
    staff_jwt_audience: str | None = Field(default=None, min_length=1)
    staff_jwt_leeway_seconds: float = Field(
        default=30.0, ge=0, le=300, description="Clock skew allowed on exp, nbf and iat."
    )
    staff_jwt_max_lifetime_seconds: float = Field(
        default=24 * 3600,
        gt=0,
        le=7 * 24 * 3600,
        description="Tokens whose exp - iat exceeds this are refused.",
    )

    @field_validator("staff_jwt_algorithms", mode="before")
    @classmethod
    def _split_algorithms(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip().upper() for part in value.split(",") if part.strip())
        return value

    @field_validator("staff_jwt_secret", "staff_jwt_issuer", "staff_jwt_audience", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _refuse_unsafe_staff_auth(self) -> StaffAuthSettings:
        problem = staff_auth_problem(self)
        if problem is not None:
            raise ValueError(problem)
        return self

    @property
    def staff_jwt_uses_secret(self) -> bool:
        return bool(SYMMETRIC_ALGORITHMS.intersection(self.staff_jwt_algorithms))


def staff_auth_problem(settings: StaffAuthSettings) -> str | None:
    """Why this combination must not start, or None when it is sound."""
    public_key = settings.staff_jwt_public_key_file is not None
    key_set = settings.staff_jwks_file is not None
    asymmetric = set(settings.staff_jwt_algorithms) - SYMMETRIC_ALGORITHMS
    if public_key and key_set:
        return "set either STAFF_JWT_PUBLIC_KEY_FILE or STAFF_JWKS_FILE, not both"
    if settings.staff_jwt_uses_secret and (public_key or key_set):
        return (
            "STAFF_JWT_ALGORITHMS includes HS256 while a public key or JWKS file is set:"
            " an HS256 token signed with the public key as its secret would be accepted"
            " (algorithm confusion). Set STAFF_JWT_ALGORITHMS=RS256 or ES256"
        )
    if asymmetric and not (public_key or key_set):
        return (
            f"STAFF_JWT_ALGORITHMS={','.join(sorted(asymmetric))} needs"
            " STAFF_JWT_PUBLIC_KEY_FILE or STAFF_JWKS_FILE"
        )
    if settings.staff_jwt_uses_secret:
        secret = settings.staff_jwt_secret
        if secret is None:
            return "STAFF_JWT_SECRET is required for HS256 staff tokens"
        if is_production(settings) and secret.get_secret_value() == DEVELOPMENT_STAFF_JWT_SECRET:
            return "STAFF_JWT_SECRET must be set to a real secret in production"
    return None
