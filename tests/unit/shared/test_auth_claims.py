"""From verified claims to a StaffIdentity: Keycloak's shape, unknown roles, departments."""

from __future__ import annotations

from typing import Any

import pytest
from nigrani_shared.auth.errors import InvalidStaffToken
from nigrani_shared.auth.identity import Role, identity_from_claims


def test_keycloak_realm_roles_count_next_to_top_level_roles() -> None:
    identity = identity_from_claims(
        {
            "sub": "kc-uuid",
            "roles": ["officer"],
            "realm_access": {"roles": ["supervisor", "offline_access", "uma_authorization"]},
            "department": "WASA-LHR",
        }
    )
    assert identity.roles == {Role.OFFICER, Role.SUPERVISOR}


def test_a_token_with_no_role_of_ours_authenticates_a_person_with_no_role() -> None:
    identity = identity_from_claims({"sub": "s", "realm_access": {"roles": ["admin"]}})
    assert identity.roles == frozenset()
    assert identity.department is None


def test_oversight_alone_needs_no_department_and_sees_every_one() -> None:
    identity = identity_from_claims({"sub": "ombudsman-1", "roles": ["oversight"]})
    assert identity.sees_every_department
    assert identity.department is None


@pytest.mark.parametrize("roles", [["officer"], ["dept_admin"], ["oversight", "supervisor"]])
def test_a_departmental_role_without_a_department_is_an_invalid_token(roles: list[str]) -> None:
    """Decided: 401, not 403. The token breaks its contract like a missing `exp` would."""
    with pytest.raises(InvalidStaffToken, match="department missing"):
        identity_from_claims({"sub": "s", "roles": roles})


@pytest.mark.parametrize(
    "bad",
    [
        {"roles": "officer"},
        {"roles": [1]},
        {"realm_access": ["officer"]},
        {"realm_access": {"roles": "officer"}},
        {"department": 7},
        {"department": "WASA LHR; drop"},
        {"sub": ""},
        {"sub": "x" * 300},
    ],
)
def test_malformed_claims_are_an_invalid_token(bad: dict[str, Any]) -> None:
    good = {"sub": "s", "roles": ["officer"], "department": "WASA-LHR"}
    with pytest.raises(InvalidStaffToken):
        identity_from_claims({**good, **bad})
