"""`python -m bench.notify_process`: the notify service exactly as `python -m nigrani_notify`
runs it, with a pymongo command listener registered first, so that its /metrics also
counts the store commands this process sends (`bench_store_commands_total{command}`).

FerretDB's `serverStatus` counts every client of the store, and in the notify bench
intake runs beside notify on the same store (it takes the submissions, answers the
contact look-ups and keeps the timeline of notification events), so only a count kept by
notify's own client says what a delivery costs notify.
"""

from __future__ import annotations

import runpy

from prometheus_client import Counter
from pymongo import monitoring

from bench.store_ops import DATA_COMMANDS

COMMANDS = Counter(
    "bench_store_commands",
    "Data commands this process sent to the store (the notify bench's listener).",
    ["command"],
)


class _Listener(monitoring.CommandListener):
    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in DATA_COMMANDS:
            COMMANDS.labels(event.command_name).inc()

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


if __name__ == "__main__":
    monitoring.register(_Listener())  # before notify creates its client
    runpy.run_module("nigrani_notify", run_name="__main__", alter_sys=True)
