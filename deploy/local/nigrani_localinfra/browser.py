"""Debian's Chromium, for the ops dashboard's browser test, installed with apt-get when
missing.

Playwright drives it through its `executable_path`; Playwright's own browser download is
never used (this project's machines reach package registries only, and a browser build
fetched at test time is a moving part nobody reviewed). The install needs root, as on CI
and on the project's machines; elsewhere the error names the command to run. A missing
browser is an error, never a reason to skip the test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from .errors import InfraError

CHROMIUM_PACKAGE = "chromium"
CHROMIUM_COMMANDS = ("chromium", "/usr/bin/chromium")
APT_TIMEOUT_S = 20 * 60
# Flags for a headless Chromium on a machine whose only network is loopback: without the
# background-networking ones it keeps trying (and failing) to reach Google's services.
CHROMIUM_ARGS = (
    "--no-sandbox",  # tests run as root on CI, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def find_chromium() -> str | None:
    for command in CHROMIUM_COMMANDS:
        found = shutil.which(command)
        if found is not None:
            return found
    return None


def _apt(argv: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        return subprocess.run(  # noqa: S603 - fixed argv
            argv, capture_output=True, text=True, env=env, timeout=APT_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InfraError(f"could not run '{' '.join(argv)}': {exc}") from exc


def ensure_chromium(
    *, log: Callable[[str], None] = print, is_root: Callable[[], bool] | None = None
) -> str:
    """The path of Debian's `chromium`, installing the package first when it is missing."""
    found = find_chromium()
    if found is not None:
        return found
    hint = f"on Debian install it with: apt-get install {CHROMIUM_PACKAGE}"
    apt = shutil.which("apt-get")
    root = is_root() if is_root is not None else os.geteuid() == 0
    if apt is None or not root:
        raise InfraError(
            f"'chromium' not found (the ops dashboard's browser test needs it); {hint}"
        )
    log(f"[infra] installing Debian's {CHROMIUM_PACKAGE} (first run only)…")
    steps = (
        [apt, "update", "-qq"],
        [apt, "install", "-y", "-qq", "--no-install-recommends",
         "-o", "DPkg::Lock::Timeout=600", CHROMIUM_PACKAGE],
    )  # fmt: skip
    for argv in steps:
        result = _apt(argv)
        if result.returncode != 0:
            raise InfraError(
                f"'{' '.join(argv)}' failed with exit code {result.returncode}; {hint}",
                details=(result.stdout + result.stderr)[-2000:],
            )
    found = find_chromium()
    if found is None:
        raise InfraError(f"{CHROMIUM_PACKAGE} installed but no 'chromium' on PATH; {hint}")
    log(f"[infra] Chromium: {Path(found).resolve()}")
    return found
