"""HS256 staff tokens for local development and tests, signed with `STAFF_JWT_SECRET`.

Production tokens come from the OIDC provider; issuing one here is refused in production,
and wherever the verifier would not accept HS256, because a token that no service accepts
helps nobody. Lifetimes are short (a working day) since a local token cannot be revoked.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import jwt

from nigrani_shared.auth.identity import Role
from nigrani_shared.auth.settings import StaffAuthSettings, is_production

MAX_LOCAL_TOKEN_LIFETIME = timedelta(hours=24)


class LocalTokenRefused(Exception):
    """Why no local token can be issued with these settings."""


def issue_local_token(
    settings: StaffAuthSettings,
    *,
    subject: str,
    roles: Iterable[Role],
    department: str | None,
    lifetime: timedelta,
    now: datetime,
) -> str:
    if is_production(settings):
        raise LocalTokenRefused(
            "local staff tokens are not issued in production: the identity provider issues them"
        )
    if not settings.staff_jwt_uses_secret or settings.staff_jwt_secret is None:
        raise LocalTokenRefused(
            "no HS256 secret is configured (STAFF_JWT_ALGORITHMS must include HS256 and"
            " STAFF_JWT_SECRET be set), so the service would not accept a local token"
        )
    if not timedelta(0) < lifetime <= MAX_LOCAL_TOKEN_LIFETIME:
        raise LocalTokenRefused("a local token lives more than 0 and at most 24 hours")
    claims: dict[str, object] = {
        "sub": subject,
        "roles": sorted(role.value for role in set(roles)),
        "iat": now,
        "exp": now + lifetime,
    }
    if department is not None:
        claims["department"] = department
    if settings.staff_jwt_issuer is not None:
        claims["iss"] = settings.staff_jwt_issuer
    if settings.staff_jwt_audience is not None:
        claims["aud"] = settings.staff_jwt_audience
    return jwt.encode(claims, settings.staff_jwt_secret.get_secret_value(), algorithm="HS256")
