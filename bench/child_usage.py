"""`python -m bench.child_usage OUT ERR -- ARGV...`: runs ARGV (stdout to OUT, stderr to
ERR) and prints, as one JSON line, its exit code, wall time and what the kernel accounted
to it: CPU and peak RSS.

Why a launcher: Linux carries the peak RSS of the process that forked a child into the
child's `ru_maxrss` (exec keeps the larger of the old and the new image's high-water
marks), so a command started by the bench, which holds a hundred MiB or more, would report
the bench's size. Started from this small interpreter, the command's own peak is what
shows. Imports nothing beyond the standard library, to stay small.
"""

from __future__ import annotations

import json
import os
import sys
import time

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC


def main(arguments: list[str]) -> None:
    out, err, separator, *argv = arguments
    if separator != "--" or not argv:
        raise SystemExit("usage: python -m bench.child_usage OUT ERR -- ARGV...")
    started = time.perf_counter()
    pid = os.posix_spawnp(
        argv[0],
        argv,
        dict(os.environ),
        file_actions=[
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, out, _FLAGS, 0o644),
            (os.POSIX_SPAWN_OPEN, 2, err, _FLAGS, 0o644),
        ],
    )
    _, status, usage = os.wait4(pid, 0)
    print(
        json.dumps(
            {
                "returncode": os.waitstatus_to_exitcode(status),
                "wall_s": time.perf_counter() - started,
                "cpu_s": usage.ru_utime + usage.ru_stime,
                "peak_rss_kib": usage.ru_maxrss,  # KiB on Linux
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
