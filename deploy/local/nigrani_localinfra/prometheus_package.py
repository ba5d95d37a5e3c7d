"""Prometheus and promtool from Debian's ``prometheus`` package, installed on first use.

``make up`` runs a real Prometheus and ``make test`` checks and unit-tests the alert rules
with ``promtool``, so both binaries must exist on every developer's and CI's machine.
Debian packages them (one package, both binaries), so provisioning installs it with
``apt-get`` when either is missing; a machine that already has them needs no network.
The install runs non-interactively and waits for another apt run's lock rather than
failing, since two test sessions may provision at once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import paths
from .errors import InfraError
from .processes import tail

Log = Callable[[str], None]

DEBIAN_PACKAGE = "prometheus"
APT_TIMEOUT_S = 15 * 60
#: How long apt-get waits for a lock that another apt or dpkg run holds.
APT_LOCK_WAIT_S = 300


@dataclass(frozen=True)
class PrometheusBinaries:
    """Paths of the two programs the stack and the tests run."""

    prometheus: Path
    promtool: Path


def find_prometheus() -> PrometheusBinaries | None:
    """Return ``prometheus`` and ``promtool`` from PATH, or None if either is missing."""
    prometheus = shutil.which("prometheus")
    promtool = shutil.which("promtool")
    if prometheus is None or promtool is None:
        return None
    return PrometheusBinaries(prometheus=Path(prometheus), promtool=Path(promtool))


def require_prometheus() -> PrometheusBinaries:
    """Like :func:`find_prometheus`, but a missing binary is an error naming the fix."""
    found = find_prometheus()
    if found is None:
        raise InfraError(
            "'prometheus' or 'promtool' not found on PATH; run `make provision` (it installs "
            f"Debian's {DEBIAN_PACKAGE} package) or: apt-get install {DEBIAN_PACKAGE}"
        )
    return found


def _apt_prefix() -> list[str]:
    if os.geteuid() == 0:
        return []
    sudo = shutil.which("sudo")
    if sudo is None:
        raise InfraError(
            f"installing Debian's {DEBIAN_PACKAGE} package needs root; run as root: "
            f"apt-get install {DEBIAN_PACKAGE}"
        )
    return [sudo, "-n"]  # never prompts: a password request fails with its own message


def _apt_get(args: list[str], *, log_path: Path) -> int:
    apt = shutil.which("apt-get")
    if apt is None:
        raise InfraError(
            f"'prometheus' and 'promtool' are missing and this is not a Debian system "
            f"(no apt-get): install Prometheus {DEBIAN_PACKAGE!r} 2.x so both are on PATH"
        )
    argv = [*_apt_prefix(), apt, "-y", "-q", "-o", f"DPkg::Lock::Timeout={APT_LOCK_WAIT_S}", *args]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with log_path.open("ab") as log_file:
        log_file.write(f"==== {' '.join(argv)}\n".encode())
        log_file.flush()
        try:
            result = subprocess.run(  # noqa: S603 - argv is built here
                argv,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                timeout=APT_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise InfraError(f"apt-get timed out after {APT_TIMEOUT_S}s (see {log_path})") from exc
    return result.returncode


def provision_prometheus(*, log: Log = print, cache: Path | None = None) -> PrometheusBinaries:
    """Return the binaries, installing Debian's package first if either is missing.

    The package index may be missing or stale on a fresh machine, so a failed install is
    retried once after ``apt-get update``. apt's output goes to
    ``<cache>/prometheus-apt.log``; the terminal gets one progress line.
    """
    found = find_prometheus()
    if found is not None:
        return found
    root = cache if cache is not None else paths.cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    log_path = root / "prometheus-apt.log"
    log(f"[infra] installing Debian's {DEBIAN_PACKAGE} package with apt-get (first run only)…")
    started = time.monotonic()
    install = ["install", "--no-install-recommends", DEBIAN_PACKAGE]
    if _apt_get(install, log_path=log_path) != 0:
        log("[infra] refreshing apt's package lists and retrying")
        if _apt_get(["update"], log_path=log_path) != 0 or _apt_get(install, log_path=log_path):
            raise InfraError(
                f"apt-get could not install {DEBIAN_PACKAGE} (full output in {log_path})",
                details=tail(log_path),
            )
    binaries = require_prometheus()
    log(f"[infra] {DEBIAN_PACKAGE}: {binaries.prometheus} ({time.monotonic() - started:.0f}s)")
    return binaries
