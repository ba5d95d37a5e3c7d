"""uv.lock is what `make`, the image and CI install: it must say exactly what pyproject.toml
asks for, hold a version of everything installed, and be read by one uv version
everywhere. A dependency added to pyproject.toml without `make lock` fails here, rather
than being installed unpinned on one machine and missing on another."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[3]


def _project() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _lock() -> dict[str, Any]:
    return tomllib.loads((ROOT / "uv.lock").read_text())


def _locked_project() -> dict[str, Any]:
    name = _project()["name"]
    (entry,) = [p for p in _lock()["package"] if p["name"] == name]
    return entry


def _normalised(requirement: Requirement) -> tuple[str, str, str]:
    name = re.sub(r"[-_.]+", "-", requirement.name).lower()
    extras = ",".join(sorted(requirement.extras))
    return (f"{name}[{extras}]", str(requirement.specifier), str(requirement.marker or ""))


def _asked() -> set[tuple[str, str, str]]:
    project = _project()
    asked = {_normalised(Requirement(r)) for r in project["dependencies"]}
    for extra, requirements in project["optional-dependencies"].items():
        for text in requirements:
            requirement = Requirement(f"{text.split('#')[0].strip()}")
            marker = f'extra == "{extra}"'
            requirement.marker = Requirement(f"x; {marker}").marker
            asked.add(_normalised(requirement))
    return asked


def _locked() -> set[tuple[str, str, str]]:
    found = set()
    for entry in _locked_project()["metadata"]["requires-dist"]:
        text = entry["name"]
        if entry.get("extras"):
            text += "[" + ",".join(entry["extras"]) + "]"
        text += entry.get("specifier", "")
        if entry.get("marker"):
            text += f"; {entry['marker']}"
        found.add(_normalised(Requirement(text)))
    return found


def test_the_lock_was_made_from_this_pyproject() -> None:
    asked, locked = _asked(), _locked()

    assert asked - locked == set(), "in pyproject.toml but not in uv.lock: run `make lock`"
    assert locked - asked == set(), "in uv.lock but not in pyproject.toml: run `make lock`"


def test_the_lock_is_for_the_python_the_project_requires() -> None:
    assert _lock()["requires-python"] == "==3.11.*"
    assert _project()["requires-python"] == ">=3.11,<3.12"


def test_every_locked_dependency_has_a_version_and_hashed_files() -> None:
    name = _project()["name"]
    for package in _lock()["package"]:
        if package["name"] == name:
            continue
        assert package.get("version"), package["name"]
        files = [*package.get("wheels", []), *([package["sdist"]] if "sdist" in package else [])]
        assert files, package["name"]
        assert all(f["hash"].startswith("sha256:") for f in files), package["name"]


def test_make_and_the_image_read_the_lock_with_the_same_uv() -> None:
    makefile = re.search(r"^UV_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.M)
    image = re.search(r"^ARG UV_VERSION=(\S+)$", (ROOT / "Dockerfile").read_text(), re.M)

    assert makefile is not None
    assert image is not None
    assert makefile.group(1) == image.group(1)


def test_the_image_installs_the_locked_runtime_dependencies_only() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert "uv export --quiet --frozen --no-dev" in dockerfile
    assert "--extra" not in dockerfile  # no dev tools in the image
    assert "pip install --require-hashes -r requirements.txt" in dockerfile
    assert "pip install --no-deps /wheels/" in dockerfile  # the wheel resolves nothing
