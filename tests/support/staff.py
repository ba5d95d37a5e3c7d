"""Staff identities for tests: tokens issued the way the admin command issues them."""

from __future__ import annotations

from datetime import timedelta

from nigrani_routing.config import RoutingSettings
from nigrani_shared.auth.identity import Role
from nigrani_shared.auth.local_tokens import issue_local_token
from nigrani_shared.clock import utc_now


def staff_headers(
    settings: RoutingSettings, subject: str, department: str | None, *roles: Role
) -> dict[str, str]:
    token = issue_local_token(
        settings,
        subject=subject,
        roles=list(roles or (Role.OFFICER,)),
        department=department,
        lifetime=timedelta(hours=1),
        now=utc_now(),
    )
    return {"Authorization": f"Bearer {token}"}
