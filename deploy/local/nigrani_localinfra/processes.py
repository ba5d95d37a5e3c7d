"""Starting, finding and stopping the detached server processes.

The broker and FerretDB must outlive the ``up`` command that starts them, so they
run in their own session (no SIGHUP when the terminal closes) with output going to a
log file. A pid alone is not trusted after a reboot or a crash because pids are
reused: every check also requires a marker string (a path unique to the state dir)
in the process's command line.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from .errors import InfraError

#: Popen objects of the processes this interpreter started, so their exit status is
#: collected (no zombies while a test session keeps running) and the objects are not
#: garbage-collected while the server is still up.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def start_detached(
    argv: Sequence[str],
    *,
    log_path: Path,
    pid_path: Path,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """Start ``argv`` in a new session with stdout+stderr appended to ``log_path``.

    Writes the pid to ``pid_path`` and returns it. The process keeps running after
    this interpreter exits.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log_file:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        log_file.write(f"==== {stamp} starting: {' '.join(argv)}\n".encode())
        log_file.flush()
        proc = subprocess.Popen(  # noqa: S603 - argv is built by this package, not user input
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=None if env is None else dict(env),
            start_new_session=True,
            close_fds=True,
        )
    _CHILDREN[proc.pid] = proc
    pid_path.write_text(f"{proc.pid}\n")
    return proc.pid


def read_pid(pid_path: Path) -> int | None:
    """Return the pid stored in ``pid_path``, or None if absent or unreadable."""
    try:
        return int(pid_path.read_text().strip())
    except (OSError, ValueError):
        return None


def is_running(pid: int | None, marker: str) -> bool:
    """Return True until ``pid`` has completely exited (it then no longer holds ports).

    For a process this interpreter started, the exit status is the truth (it also
    reaps the zombie). For others, ``marker`` must be on the command line, and a
    zombie thread-group leader counts as running while its other threads are still
    exiting: a multi-threaded JVM or Go process shows state Z for a moment before
    its sockets are closed, and a restart on the same port must wait for that.
    """
    if pid is None or pid <= 0:
        return False
    proc = _CHILDREN.get(pid)
    if proc is not None:
        if proc.poll() is None:
            return True
        del _CHILDREN[pid]
        return False
    proc_dir = Path(f"/proc/{pid}")
    try:
        stat = (proc_dir / "stat").read_text()
        # The state letter follows the parenthesised command name (which may hold spaces).
        state = stat.rpartition(")")[2].split()[0]
        if state == "X":
            return False
        if state == "Z":
            return _thread_count(proc_dir) > 1
        cmdline = (proc_dir / "cmdline").read_bytes().replace(b"\0", b" ")
    except (OSError, IndexError):
        return False
    return marker in cmdline.decode(errors="replace")


def _thread_count(proc_dir: Path) -> int:
    for line in (proc_dir / "status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 1


async def stop_process(
    pid: int | None,
    *,
    marker: str,
    name: str,
    grace: float = 30.0,
    log: Callable[[str], None] = print,
) -> None:
    """Stop a process we started: SIGTERM, wait up to ``grace`` s, then SIGKILL.

    The signal goes to the whole process group (the process leads its own session),
    so helpers it spawned go too. Does nothing if the process is already gone.
    """
    if not is_running(pid, marker):
        return
    assert pid is not None
    _signal_group(pid, signal.SIGTERM)
    if await wait_exit(pid, marker=marker, within=grace):
        return
    log(f"[infra] {name} (pid {pid}) ignored SIGTERM for {grace:.0f}s, sending SIGKILL")
    _signal_group(pid, signal.SIGKILL)
    if not await wait_exit(pid, marker=marker, within=10.0):
        raise InfraError(f"{name} (pid {pid}) is still running after SIGKILL")


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        return
    except PermissionError:
        # Not a group leader we own (should not happen); fall back to the process.
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


async def wait_exit(pid: int, *, marker: str, within: float) -> bool:
    """Wait until ``pid`` has exited; return False if it is still running after ``within`` s."""
    deadline = time.monotonic() + within
    while is_running(pid, marker):
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.1)
    return True


def tail(path: Path, lines: int = 20) -> str:
    """Return the last ``lines`` lines of a log file (empty if it does not exist)."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 64 * 1024))
            data = fh.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])
