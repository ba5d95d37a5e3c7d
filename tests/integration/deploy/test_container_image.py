"""The container image, checked without a Docker engine (none runs on these machines):
hadolint lints the Dockerfile, every command it runs or documents names a module that
exists and runs, the build context holds what its COPY lines take and the wheel needs, and
each service is reachable and health-checked on its own settings' host and port.

What only a Docker host can show (that the image builds and starts) is not checked here.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from nigrani_shared.web.healthcheck import HTTP_SERVICES, module_of, settings_class

from tests.support import dockerfile
from tests.support.entry_points import unrunnable_commands

ROOT = Path(__file__).resolve().parents[3]
DOCKERFILE = ROOT / "Dockerfile"
HADOLINT = Path(sys.executable).with_name("hadolint")


def _text() -> str:
    return DOCKERFILE.read_text()


def _ignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    return dockerfile.ignore_rules((ROOT / ".dockerignore").read_text())


def test_hadolint_finds_nothing() -> None:
    result = subprocess.run(  # noqa: S603 - our own venv's hadolint on our own file
        [str(HADOLINT), "--config", str(ROOT / ".hadolint.yaml"), "-f", "json", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert json.loads(result.stdout) == [], result.stdout
    assert result.returncode == 0, result.stderr


def test_every_command_the_image_names_runs_a_module_of_the_package() -> None:
    commands = dockerfile.commands(_text())

    assert unrunnable_commands(commands) == []
    # Every HTTP service is documented as a command of the image.
    assert set(HTTP_SERVICES) <= {module_of(command) for command in commands}


def test_the_check_refuses_missing_and_inert_modules() -> None:
    assert unrunnable_commands(
        [
            ["python", "-m", "nigrani_sla.worker"],  # sla has no separate worker
            ["python", "-m", "nigrani_routing.config"],  # exists, but runs nothing
            ["python", "-m", "nigrani_nothing"],
            ["uvicorn", "nigrani_intake.main:app"],
        ]
    ) == [
        "['python', '-m', 'nigrani_sla.worker']: no module nigrani_sla.worker",
        "['python', '-m', 'nigrani_routing.config']: nigrani_routing.config does nothing"
        ' when run (no `if __name__ == "__main__":`)',
        "['python', '-m', 'nigrani_nothing']: no module nigrani_nothing",
        "['uvicorn', 'nigrani_intake.main:app']: neither a `python -m` command nor a console"
        " script of the project",
    ]


def test_the_default_command_is_a_service_and_the_healthcheck_knows_it() -> None:
    run = [i for i in dockerfile.instructions(_text()) if i.keyword == "CMD"][-1]

    assert settings_class(module_of(dockerfile.exec_form(run.arguments))) is not None


def test_every_copy_source_is_in_the_build_context() -> None:
    rules = _ignore_rules()

    for source in dockerfile.context_sources(_text()):
        assert (ROOT / source).exists(), source
        assert not dockerfile.is_ignored(source.rstrip("/"), rules), source
        for path in (ROOT / source).rglob("*"):
            relative = path.relative_to(ROOT).as_posix()
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                assert not dockerfile.is_ignored(relative, rules), relative


def test_every_package_of_the_wheel_is_copied_into_the_builder() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    sources = [source.rstrip("/") for source in dockerfile.context_sources(_text())]

    assert "pyproject.toml" in sources
    for package in packages:
        assert any(package == s or package.startswith(f"{s}/") for s in sources), package


@pytest.mark.parametrize(
    "path",
    [
        ".git/HEAD",
        ".venv/bin/python",
        ".run/logs/intake.log",
        "tests/conftest.py",
        "test-artifacts/trace.zip",
        ".mypy_cache/3.11/x.json",
        "bench/__main__.py",
        "shared/nigrani_shared/__pycache__/settings.cpython-311.pyc",
        "README.md",
    ],
)
def test_the_context_leaves_out_what_the_image_does_not_need(path: str) -> None:
    assert dockerfile.is_ignored(path, _ignore_rules())


def test_every_http_service_listens_on_every_interface_in_the_image() -> None:
    env = dockerfile.env_variables(_text())

    for module in HTTP_SERVICES:
        settings = settings_class(module)
        assert settings is not None
        host_variable = settings.model_fields["http_host"].validation_alias
        assert isinstance(host_variable, str), module
        assert env.get(host_variable) == "0.0.0.0", host_variable  # noqa: S104


def test_the_image_runs_as_a_fixed_non_root_user() -> None:
    final_stage = _text().rsplit("\nFROM ", 1)[1]
    users = [i.arguments for i in dockerfile.instructions(final_stage) if i.keyword == "USER"]

    assert users, "the final stage sets no USER"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit()
    assert int(uid) > 0
    assert gid.isdigit()
    assert int(gid) > 0
