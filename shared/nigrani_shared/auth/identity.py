"""Who a verified token says the caller is, and the mapping from token claims to it.

Roles come from a top-level `roles` list and from Keycloak's `realm_access.roles`, merged.
Names we do not know (Keycloak adds `offline_access`, `uma_authorization`, ...) are
ignored, so a token with none of ours authenticates a person who holds no staff role and
gets 403 on every staff route.

`department` is required for every role except oversight, which reads every department.
A token with a departmental role and no department breaks the token contract, like a
missing `exp`, so it is refused as invalid (401) rather than treated as authenticated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from nigrani_shared.auth.errors import InvalidStaffToken

_DEPARTMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MAX_SUBJECT_LENGTH = 256


class Role(StrEnum):
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    DEPT_ADMIN = "dept_admin"
    OVERSIGHT = "oversight"


_KNOWN_ROLES = {role.value: role for role in Role}


@dataclass(frozen=True, slots=True)
class StaffIdentity:
    subject: str
    roles: frozenset[Role]
    department: str | None

    def has_any_role(self, roles: Iterable[Role]) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def sees_every_department(self) -> bool:
        """Oversight staff (the ombudsman's office) read every department's cases."""
        return Role.OVERSIGHT in self.roles


def identity_from_claims(claims: Mapping[str, Any]) -> StaffIdentity:
    """The identity in already verified claims; raises `InvalidStaffToken` if malformed."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not 0 < len(subject) <= MAX_SUBJECT_LENGTH:
        raise InvalidStaffToken("subject")
    roles = _roles(claims)
    department = claims.get("department")
    if department is not None and (
        not isinstance(department, str) or not _DEPARTMENT.match(department)
    ):
        raise InvalidStaffToken("department")
    if department is None and roles - {Role.OVERSIGHT}:
        raise InvalidStaffToken("department missing")
    return StaffIdentity(subject=subject, roles=roles, department=department)


def _roles(claims: Mapping[str, Any]) -> frozenset[Role]:
    names = [*_role_names(claims.get("roles"))]
    realm_access = claims.get("realm_access")
    if realm_access is not None:
        if not isinstance(realm_access, Mapping):
            raise InvalidStaffToken("realm_access")
        names.extend(_role_names(realm_access.get("roles")))
    return frozenset(_KNOWN_ROLES[name] for name in names if name in _KNOWN_ROLES)


def _role_names(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise InvalidStaffToken("roles")
    return value
