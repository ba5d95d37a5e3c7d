"""A service started with settings that must not run says why in one line naming the
variable, exits 1, and quotes no value it read (pydantic's own text would print them all,
secrets included)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

CANARY = "pw-canary-0123456789-0123456789-0123"
UNSAFE = {
    "ENVIRONMENT": "production",
    "SECRET_KEY": CANARY,
    "STAFF_JWT_SECRET": CANARY,
    "INTERNAL_API_TOKEN": CANARY,
    "MONGODB_URI": f"mongodb://nigrani:{CANARY}@db-0,db-1/?replicaSet=rs0&w=1",
}


@pytest.mark.parametrize(
    "module",
    [
        "nigrani_intake",
        "nigrani_intake.worker",
        "nigrani_routing",
        "nigrani_routing.worker",
        "nigrani_sla",
        "nigrani_notify",
    ],
)
def test_a_refused_setting_is_one_line_naming_the_variable(module: str) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA", "MONGO"))}
    started = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", module],
        env={**environment, **UNSAFE},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert started.returncode == 1
    assert started.stderr == (
        "refused to start: MONGODB_URI asks for w=1: production writes need w=majority"
        " (remove the option or set w=majority)\n"
    )
    assert CANARY not in started.stdout + started.stderr
