"""Running promtool from the tests; a missing promtool fails the test, never skips it.

Provisioning (`make test`, `make up`) installs Debian's prometheus package, so a machine
without promtool did not provision: the rules would go unchecked, which must be loud.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from nigrani_localinfra.prometheus_package import find_prometheus


def promtool() -> Path:
    found = find_prometheus()
    if found is None:
        pytest.fail("promtool is not installed: run `make provision` (Debian's prometheus package)")
    return found.promtool


def run_promtool(*args: str | Path, cwd: Path | None = None) -> str:
    """Runs promtool; fails the test with its output unless it exits 0. Returns stdout."""
    result = subprocess.run(  # noqa: S603 - fixed program, arguments from the test
        [str(promtool()), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"promtool {' '.join(map(str, args))} failed:\n{output}"
    return output
