"""Fetching the Kafka jars and building FerretDB into the per-user cache, once.

Both steps are slow the first time (Maven download, a Go build of a few minutes on
two cores) and free afterwards: each result sits in a version-keyed folder with a
stamp holding a hash of the inputs that produced it, and a complete, matching stamp
means the step is skipped entirely, so a second run needs neither network nor tools
beyond Java. Results are written to a temporary name and renamed into place, and a
file lock serialises concurrent provisioning (two test sessions, ``make up`` in two
shells), so an interrupted or parallel run never leaves a half-filled cache behind.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import paths
from .errors import InfraError
from .prerequisites import require_go, require_java, require_maven
from .processes import tail

Log = Callable[[str], None]

MAVEN_TIMEOUT_S = 20 * 60
GO_BUILD_TIMEOUT_S = 30 * 60
FERRETDB_BINARY_NAME = "nigrani-ferretdb"
COMPOSE_CHECK_BINARY_NAME = "nigrani-compose-check"


@dataclass(frozen=True)
class Artifacts:
    """Everything needed to start the stack, all on local disk."""

    kafka_version: str
    kafka_libs: Path
    kafka_log4j_config: Path
    kafka_server_template: Path
    ferretdb_version: str
    ferretdb_binary: Path


def kafka_version() -> str:
    """Return the Kafka version pinned in ``deploy/local/kafka/pom.xml``."""
    return _match(r"<kafka\.version>\s*([^<\s]+)\s*</kafka\.version>", paths.KAFKA_POM)


def ferretdb_version() -> str:
    """Return the FerretDB version pinned in ``deploy/local/ferretdb/go.mod``."""
    return _match(r"github\.com/FerretDB/FerretDB\s+(v\S+)", paths.FERRETDB_DIR / "go.mod")


def _go_directive(go_mod: Path) -> tuple[int, int]:
    text = _match(r"(?m)^go\s+(\d+\.\d+)", go_mod)
    major, minor = text.split(".")
    return int(major), int(minor)


def _match(pattern: str, path: Path) -> str:
    match = re.search(pattern, path.read_text())
    if match is None:
        raise InfraError(f"cannot find {pattern!r} in {path}")
    return match.group(1)


def _digest(files: tuple[Path, ...]) -> str:
    hasher = hashlib.sha256()
    for file in files:
        hasher.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return hasher.hexdigest()


def _stamp_matches(stamp: Path, digest: str) -> bool:
    try:
        return stamp.read_text().strip() == digest
    except OSError:
        return False


@contextmanager
def _cache_lock(cache: Path) -> Iterator[None]:
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / ".provision.lock").open("w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _run_logged(
    argv: list[str], *, cwd: Path, log_path: Path, timeout: float, env: dict[str, str] | None = None
) -> int:
    """Run a build tool with its output in ``log_path`` (quiet terminal, full record)."""
    with log_path.open("wb") as log_file:
        try:
            result = subprocess.run(  # noqa: S603 - argv is built here
                argv,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise InfraError(
                f"'{argv[0]}' timed out after {timeout:.0f}s (see {log_path})"
            ) from exc
    return result.returncode


def provision_kafka(cache: Path, *, log: Log = print) -> Path:
    """Copy Kafka's runtime jars into ``<cache>/kafka-<version>/libs`` unless already there."""
    version = kafka_version()
    target = cache / f"kafka-{version}"
    libs = target / "libs"
    stamp = target / "complete.sha256"
    digest = _digest((paths.KAFKA_POM,))
    if _stamp_matches(stamp, digest) and (libs / f"kafka_2.13-{version}.jar").is_file():
        return libs

    require_java()
    mvn = require_maven()
    log(f"[infra] fetching Kafka {version} jars (first run only)…")
    started = time.monotonic()
    target.mkdir(parents=True, exist_ok=True)
    partial = target / "libs.partial"
    shutil.rmtree(partial, ignore_errors=True)
    log_path = target / "mvn.log"
    argv = [
        mvn, "-B", "-q", "-Dstyle.color=never",
        "-f", str(paths.KAFKA_POM),
        "dependency:copy-dependencies",
        f"-DoutputDirectory={partial}",
        "-DincludeScope=runtime",
    ]  # fmt: skip
    if _run_logged(argv, cwd=paths.KAFKA_DIR, log_path=log_path, timeout=MAVEN_TIMEOUT_S) != 0:
        raise InfraError(
            f"fetching Kafka {version} jars with Maven failed (full output in {log_path})",
            details=tail(log_path),
        )
    if not (partial / f"kafka_2.13-{version}.jar").is_file():
        raise InfraError(f"Maven finished but kafka_2.13-{version}.jar is missing in {partial}")
    shutil.rmtree(libs, ignore_errors=True)
    partial.rename(libs)
    stamp.write_text(digest + "\n")
    jars = len(list(libs.glob("*.jar")))
    log(f"[infra] Kafka {version}: {jars} jars in {libs} ({time.monotonic() - started:.0f}s)")
    return libs


def provision_ferretdb(cache: Path, *, log: Log = print) -> Path:
    """Build our FerretDB wrapper into ``<cache>/ferretdb-<version>/`` unless up to date."""
    version = ferretdb_version()
    return _build_go_program(
        f"FerretDB {version}",
        source_dir=paths.FERRETDB_DIR,
        sources=paths.FERRETDB_SOURCES,
        binary=cache / f"ferretdb-{version}" / FERRETDB_BINARY_NAME,
        log=log,
    )


def compose_check_version() -> str:
    """Return the compose-go version pinned in ``deploy/compose/check/go.mod``."""
    return _match(
        r"github\.com/compose-spec/compose-go/v2\s+(v\S+)", paths.COMPOSE_CHECK_DIR / "go.mod"
    )


def provision_compose_check(cache: Path | None = None, *, log: Log = print) -> Path:
    """Build the compose file checker (the Compose Specification's Go loader) into
    ``<cache>/compose-check-<compose-go version>/`` unless up to date; the tests run it."""
    root = cache if cache is not None else paths.cache_dir()
    version = compose_check_version()
    with _cache_lock(root):
        return _build_go_program(
            f"the compose checker (compose-go {version})",
            source_dir=paths.COMPOSE_CHECK_DIR,
            sources=paths.COMPOSE_CHECK_SOURCES,
            binary=root / f"compose-check-{version}" / COMPOSE_CHECK_BINARY_NAME,
            log=log,
        )


def _build_go_program(
    label: str,
    *,
    source_dir: Path,
    sources: tuple[Path, ...],
    binary: Path,
    log: Log,
    package: str = ".",
) -> Path:
    """Build ``package`` (the program in ``source_dir`` itself, or a module path that its
    go.mod pins) into ``binary`` unless the stamp beside it says these ``sources`` already
    built it. The caller holds the cache lock."""
    stamp = binary.with_name(f"{binary.name}.sha256")
    digest = _digest(sources)
    if _stamp_matches(stamp, digest) and os.access(binary, os.X_OK):
        return binary

    go = require_go(_go_directive(source_dir / "go.mod"))
    log(f"[infra] building {label} (first run only)…")
    started = time.monotonic()
    binary.parent.mkdir(parents=True, exist_ok=True)
    partial = binary.with_name(f"{binary.name}.partial")
    log_path = binary.parent / "go-build.log"
    env = {**os.environ, "CGO_ENABLED": "0"}
    base = [go, "build", "-trimpath", "-buildvcs=false", "-o", str(partial)]
    rc = _run_logged([*base, package], cwd=source_dir, log_path=log_path,
                     timeout=GO_BUILD_TIMEOUT_S, env=env)  # fmt: skip
    if rc != 0 and "linkname" in log_path.read_text(errors="replace"):
        # Newer Go toolchains restrict go:linkname pulls that some dependencies use.
        log(f"[infra] retrying the build of {label} with -checklinkname=0")
        rc = _run_logged([*base, "-ldflags=-checklinkname=0", package], cwd=source_dir,
                         log_path=log_path, timeout=GO_BUILD_TIMEOUT_S, env=env)  # fmt: skip
    if rc != 0:
        raise InfraError(
            f"building {label} failed (full output in {log_path})", details=tail(log_path)
        )
    partial.rename(binary)
    stamp.write_text(digest + "\n")
    log(f"[infra] {label}: built {binary} ({time.monotonic() - started:.0f}s)")
    return binary


def provision(*, log: Log = print, cache: Path | None = None) -> Artifacts:
    """Make sure the Kafka jars and the FerretDB binary are in the cache; return paths.

    Idempotent and cheap when the cache is complete (no tool is even invoked).
    ``cache`` defaults to :func:`paths.cache_dir`.
    """
    root = cache if cache is not None else paths.cache_dir()
    with _cache_lock(root):
        libs = provision_kafka(root, log=log)
        binary = provision_ferretdb(root, log=log)
    return Artifacts(
        kafka_version=kafka_version(),
        kafka_libs=libs,
        kafka_log4j_config=paths.KAFKA_LOG4J_CONFIG,
        kafka_server_template=paths.KAFKA_SERVER_TEMPLATE,
        ferretdb_version=ferretdb_version(),
        ferretdb_binary=binary,
    )
