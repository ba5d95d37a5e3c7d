"""Checks a staff bearer token and says who it authenticates.

PyJWT does every check: signature with the configured key and algorithms only (`none` is
never among them), `exp`, `nbf` and `iat` with a small leeway for clock skew, `iss` and
`aud` when configured, and the presence of `exp`, `iat` and `sub`. Any failure becomes one
`InvalidStaffToken` whose reason is the PyJWT error's class name, never its message (a
decoding error can quote the token).
"""

from __future__ import annotations

import jwt
from jwt.types import Options

from nigrani_shared.auth.errors import InvalidStaffToken
from nigrani_shared.auth.identity import StaffIdentity, identity_from_claims
from nigrani_shared.auth.keys import KeySource, load_key_source
from nigrani_shared.auth.settings import StaffAuthSettings

REQUIRED_CLAIMS = ["exp", "iat", "sub"]


class TokenVerifier:
    def __init__(
        self,
        keys: KeySource,
        *,
        issuer: str | None = None,
        audience: str | None = None,
        leeway_seconds: float = 30.0,
        max_lifetime_seconds: float = 24 * 3600,
    ) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds
        self._max_lifetime = max_lifetime_seconds
        self._options: Options = {
            "require": REQUIRED_CLAIMS,
            "verify_iss": issuer is not None,
            # An OIDC provider always sets `aud`; with no audience configured PyJWT would
            # refuse every such token, so the check runs only when one is configured.
            "verify_aud": audience is not None,
            "enforce_minimum_key_length": True,
        }

    @classmethod
    def from_settings(cls, settings: StaffAuthSettings) -> TokenVerifier:
        """Reads the key files; raises `StaffAuthConfigError` when they are unusable."""
        return cls(
            load_key_source(settings),
            issuer=settings.staff_jwt_issuer,
            audience=settings.staff_jwt_audience,
            leeway_seconds=settings.staff_jwt_leeway_seconds,
            max_lifetime_seconds=settings.staff_jwt_max_lifetime_seconds,
        )

    def verify(self, token: str) -> StaffIdentity:
        try:
            key, algorithms = self._keys.key_for(token)
            claims = jwt.decode(
                token,
                key=key,
                algorithms=list(algorithms),
                options=self._options,
                issuer=self._issuer,
                audience=self._audience,
                leeway=self._leeway,
            )
        except jwt.PyJWTError as exc:
            raise InvalidStaffToken(type(exc).__name__) from None
        # A token valid for a year is a leaked credential waiting to happen, however it was
        # signed: staff tokens live a working day at most.
        if not isinstance(claims["exp"], int | float) or not isinstance(claims["iat"], int | float):
            raise InvalidStaffToken("lifetime")
        if claims["exp"] - claims["iat"] > self._max_lifetime:
            raise InvalidStaffToken("lifetime")
        return identity_from_claims(claims)
