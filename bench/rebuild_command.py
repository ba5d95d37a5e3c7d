"""An operator command (`nigrani ...`) run as a child process and measured: wall time, and
what the kernel accounted to that one child (peak RSS, CPU), through the small launcher
`bench.child_usage` (why a launcher: see there).

`getrusage(RUSAGE_CHILDREN)` would not do: its peak RSS is the largest of every child this
process ever reaped, and the bench reaps the services it started.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

_SUMMARY = re.compile(
    r"(?P<read>\d+) events read, (?P<applied>\d+) applied, (?P<ignored>\d+) not for this"
)


@dataclass(frozen=True)
class CommandRun:
    argv: tuple[str, ...]
    returncode: int
    wall_s: float
    cpu_s: float  # user + system, the command alone
    peak_rss_mib: float
    stdout: str
    stderr: str

    @property
    def shown(self) -> str:
        """The command line as an operator types it (no virtualenv path)."""
        return " ".join([Path(self.argv[0]).name, *self.argv[1:]])

    def figures(self) -> dict[str, object]:
        return {
            "command": self.shown,
            "wall_s": round(self.wall_s, 2),
            "cpu_s": round(self.cpu_s, 2),
            "peak_rss_mib": round(self.peak_rss_mib, 1),
        }


def nigrani() -> list[str]:
    """The console script beside this interpreter (`.venv/bin/nigrani`), as an operator
    runs it; `python -m nigrani_cli` (the same app) if the script is not installed."""
    script = Path(sys.executable).with_name("nigrani")
    if script.exists():
        return [str(script)]
    found = shutil.which("nigrani")
    return [found] if found else [sys.executable, "-m", "nigrani_cli"]


async def run_command(argv: Sequence[str], env: Mapping[str, str], log_dir: Path) -> CommandRun:
    """Runs `argv` to its end; stdout and stderr go to files (a progress bar on a pipe
    nobody reads would block the command) and are read back."""
    return await asyncio.to_thread(_run, tuple(argv), dict(env), log_dir)


def _run(argv: tuple[str, ...], env: dict[str, str], log_dir: Path) -> CommandRun:
    log_dir.mkdir(parents=True, exist_ok=True)
    name = "-".join(part for part in argv[1:4] if not part.startswith("-")) or "nigrani"
    out_path, err_path = log_dir / f"{name}.out", log_dir / f"{name}.err"
    launcher = [sys.executable, "-m", "bench.child_usage", str(out_path), str(err_path), "--"]
    done = subprocess.run(  # noqa: S603 - argv is the bench's own command line
        [*launcher, *argv], env=env, capture_output=True, text=True, check=True
    )
    usage = json.loads(done.stdout)
    return CommandRun(
        argv=argv,
        returncode=int(usage["returncode"]),
        wall_s=float(usage["wall_s"]),
        cpu_s=float(usage["cpu_s"]),
        peak_rss_mib=int(usage["peak_rss_kib"]) / 1024,
        stdout=out_path.read_text(encoding="utf-8", errors="replace"),
        stderr=err_path.read_text(encoding="utf-8", errors="replace"),
    )


def rebuild_summary(stdout: str) -> dict[str, int]:
    """The counts in `nigrani read-model rebuild`'s result line."""
    found = _SUMMARY.search(stdout)
    if found is None:
        raise ValueError(f"no rebuild summary in {stdout!r}")
    return {name: int(value) for name, value in found.groupdict().items()}


def lag_totals(stdout: str) -> dict[str, int]:
    """Each group's total lag from `nigrani lag`'s table (its `(total)` lines)."""
    totals: dict[str, int] = {}
    for line in stdout.splitlines():
        cells = line.split()
        if len(cells) == 3 and cells[1] == "(total)":
            totals[cells[0]] = int(cells[2])
    return totals
