"""Checks for the host tools the local stack needs, with install hints.

Kafka runs on the JVM (4.x needs Java 17+), its jars are resolved by Maven, and the
FerretDB wrapper is compiled with Go. Maven and Go are only needed while the cache
is incomplete; Java is needed every time the broker starts. Failing early with the
exact Debian command beats a stack trace from deep inside provisioning.
"""

from __future__ import annotations

import re
import shutil
import subprocess

from .errors import InfraError

MIN_JAVA = 17
DEBIAN_PACKAGES = {
    "java": "openjdk-17-jre-headless",
    "mvn": "maven",
    "go": "golang-go",
}


def _missing(tool: str, why: str) -> InfraError:
    return InfraError(
        f"'{tool}' not found on PATH ({why}); on Debian install it with: "
        f"apt-get install {DEBIAN_PACKAGES[tool]}"
    )


def _version_output(argv: list[str]) -> str:
    try:
        result = subprocess.run(  # noqa: S603 - fixed argv
            argv, capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InfraError(f"could not run '{' '.join(argv)}': {exc}") from exc
    return result.stdout + result.stderr


def require_java() -> str:
    """Return the path of a ``java`` that is version 17 or newer."""
    java = shutil.which("java")
    if java is None:
        raise _missing("java", f"Kafka 4 needs Java {MIN_JAVA}+")
    output = _version_output([java, "-version"])
    match = re.search(r'version "(\d+)(?:\.(\d+))?', output)
    if match is None:
        raise InfraError(f"could not tell the version of {java}: {output.strip()[:200]}")
    major = int(match.group(1))
    if major == 1 and match.group(2):  # "1.8.0_x" style
        major = int(match.group(2))
    if major < MIN_JAVA:
        raise InfraError(
            f"{java} is Java {major}, Kafka 4 needs Java {MIN_JAVA}+; on Debian install "
            f"it with: apt-get install {DEBIAN_PACKAGES['java']}"
        )
    return java


def require_maven() -> str:
    """Return the path of ``mvn`` (only needed to fetch the Kafka jars once)."""
    mvn = shutil.which("mvn")
    if mvn is None:
        raise _missing("mvn", "needed once to fetch the Kafka jars from Maven Central")
    return mvn


def require_go(min_version: tuple[int, int]) -> str:
    """Return the path of a ``go`` at least ``min_version`` (needed once to build FerretDB)."""
    go = shutil.which("go")
    wanted = f"{min_version[0]}.{min_version[1]}"
    if go is None:
        raise _missing("go", f"Go {wanted}+ is needed once to build FerretDB")
    output = _version_output([go, "version"])
    match = re.search(r"go(\d+)\.(\d+)", output)
    if match is None:
        raise InfraError(f"could not tell the version of {go}: {output.strip()[:200]}")
    found = (int(match.group(1)), int(match.group(2)))
    if found < min_version:
        raise InfraError(
            f"{go} is Go {found[0]}.{found[1]}, FerretDB needs Go {wanted}+; install a newer "
            f"golang-go (Debian backports) or set GOTOOLCHAIN=go{wanted}.0 to let go fetch it"
        )
    return go
