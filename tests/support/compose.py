"""docker-compose.yml as Docker Compose would read it, without a Docker engine.

The Compose Specification's own Go loader (compose-go, the library inside `docker
compose`) validates the file against the specification's schema, interpolates it from an
env file, resolves anchors, merges and paths, checks its consistency, and prints the
resulting project as JSON; our wrapper (deploy/compose/check/) also turns every warning into
an error and reads variables from the env file alone. It is built once into the per-user
cache like FerretDB (nigrani_localinfra.provision), so later runs need no network.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from nigrani_localinfra.provision import provision_compose_check

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"


class ComposeLoadError(Exception):
    """The loader refused the file; the message is its own."""


@functools.cache
def checker() -> Path:
    return provision_compose_check(log=lambda line: print(line, file=sys.stderr))


def load(env_file: Path = ENV_EXAMPLE, compose_file: Path = COMPOSE_FILE) -> dict[str, Any]:
    """The project Compose would run, as JSON; ComposeLoadError if it would refuse it."""
    result = subprocess.run(  # noqa: S603 - our own checker on our own files
        [str(checker()), "-env-file", str(env_file), str(compose_file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise ComposeLoadError(result.stderr.strip())
    project: dict[str, Any] = json.loads(result.stdout)
    return project


def env_file_names(path: Path = ENV_EXAMPLE) -> list[str]:
    """The variables an env file sets (comments and blank lines skipped)."""
    names = []
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            names.append(stripped.partition("=")[0].strip())
    return names
