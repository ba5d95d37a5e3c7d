"""The staff dependencies through a tiny app: 401 with a challenge, 403 without the role,
200 with it; the same 401 whatever check failed, and no token in the body or the logs."""

from __future__ import annotations

import logging
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI
from nigrani_shared.auth.dependencies import CurrentStaff, require_role, set_token_verifier
from nigrani_shared.auth.identity import Role, StaffIdentity
from nigrani_shared.auth.keys import SharedSecret
from nigrani_shared.auth.verifier import TokenVerifier
from nigrani_shared.web.errors import install_error_handlers

from tests.support.staff_tokens import SECRET, claims, sign

Supervisor = Annotated[StaffIdentity, Depends(require_role(Role.SUPERVISOR, Role.DEPT_ADMIN))]


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    set_token_verifier(app, TokenVerifier(SharedSecret(SECRET.encode())))

    @app.get("/me")
    async def me(staff: CurrentStaff) -> dict[str, str | None]:
        return {"subject": staff.subject, "department": staff.department}

    @app.post("/assign")
    async def assign(staff: Supervisor) -> dict[str, str]:
        return {"by": staff.subject}

    return app


async def _call(
    method: str, path: str, token: str | None = None, scheme: str = "Bearer"
) -> httpx.Response:
    headers = {"Authorization": f"{scheme} {token}"} if token is not None else {}
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(method, path, headers=headers)


async def test_no_token_is_401_with_a_bearer_challenge() -> None:
    response = await _call("GET", "/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {"detail": "a staff bearer token is required", "errors": []}


async def test_another_scheme_is_401() -> None:
    response = await _call("GET", "/me", "dXNlcjpwYXNz", scheme="Basic")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "bad",
    [
        sign(claims(exp=1), SECRET, "HS256"),
        sign(claims(), "another-secret-that-is-also-long-enough", "HS256"),
        sign(claims(department=None), SECRET, "HS256"),
        "not.a.token",
    ],
    ids=["expired", "wrong-signature", "officer-without-department", "garbage"],
)
async def test_every_bad_token_gets_the_same_401_and_is_never_echoed(
    bad: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = await _call("GET", "/me", bad)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert response.json() == {"detail": "invalid or expired token", "errors": []}
    assert bad not in response.text
    assert all(bad not in record.getMessage() for record in caplog.records)
    assert any(record.message == "staff token refused" for record in caplog.records)


async def test_a_valid_token_reaches_the_route() -> None:
    response = await _call("GET", "/me", sign(claims(), SECRET, "HS256"))
    assert response.status_code == 200
    assert response.json() == {"subject": "staff-17", "department": "WASA-LHR"}


async def test_a_route_needing_a_role_refuses_others_with_403() -> None:
    officer = sign(claims(), SECRET, "HS256")
    nobody = sign(claims(roles=["offline_access"]), SECRET, "HS256")
    for token in (officer, nobody):
        response = await _call("POST", "/assign", token)
        assert response.status_code == 403
        assert response.json()["detail"] == "your role does not allow this"


async def test_any_one_of_the_required_roles_is_enough() -> None:
    keycloak_style = claims(roles=None, realm_access={"roles": ["dept_admin"]})
    response = await _call("POST", "/assign", sign(keycloak_style, SECRET, "HS256"))
    assert response.status_code == 200
    assert response.json() == {"by": "staff-17"}


async def test_a_role_check_still_needs_a_token() -> None:
    response = await _call("POST", "/assign")
    assert response.status_code == 401


def test_require_role_needs_a_role() -> None:
    with pytest.raises(ValueError, match="at least one role"):
        require_role()
