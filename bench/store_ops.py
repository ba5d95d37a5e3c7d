"""Store round trips, counted by the store itself: `serverStatus` before and after a run.

MongoDB reports `opcounters`; FerretDB v1.24 has none but reports `metrics.commands`, a
count per command name. Either way only data commands are counted, not the drivers'
`hello`/`ping` heartbeats. The count covers every client of the store, which in a bench run
are the services under test.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pymongo import AsyncMongoClient, monitoring

DATA_COMMANDS = (
    "insert", "find", "update", "delete", "findAndModify", "getMore", "aggregate", "count",
)  # fmt: skip
_OPCOUNTERS = {"insert": "insert", "query": "find", "update": "update", "delete": "delete",
               "getmore": "getMore"}  # fmt: skip


async def command_counts(uri: str) -> dict[str, int]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    try:
        status = await client.admin.command("serverStatus")
    finally:
        await client.close()
    if "opcounters" in status:  # MongoDB; its "command" counter mixes in heartbeats, so
        # findAndModify (counted there) is missing from MongoDB's figure.
        return {_OPCOUNTERS[k]: int(v) for k, v in status["opcounters"].items() if k in _OPCOUNTERS}
    commands: dict[str, Any] = status.get("metrics", {}).get("commands", {})
    return {name: int(commands[name]["total"]) for name in DATA_COMMANDS if name in commands}


def per_request(before: dict[str, int], after: dict[str, int], requests: int) -> dict[str, float]:
    """Round trips per request, by command and in total."""
    deltas = {name: after.get(name, 0) - before.get(name, 0) for name in after}
    result = {name: round(n / requests, 2) for name, n in sorted(deltas.items()) if n}
    result["total"] = round(sum(deltas.values()) / requests, 2)
    return result


class CommandCounter(monitoring.CommandListener):
    """Data commands one client sends, counted as it sends them (a pymongo command
    listener): exact per process, where `serverStatus` counts every client of the store.
    Also counts the documents stored by inserts of documents that carry `field` (a timer's
    `due_at`, which the wheel's minute markers lack), per collection: what the store
    reports inserted, not what was sent (a slot already taken is refused and sent again)."""

    def __init__(self, field: str = "due_at") -> None:
        self._field = field
        self.commands: Counter[str] = Counter()
        self.inserted: Counter[str] = Counter()
        self._pending: dict[int, str] = {}  # request id -> collection, inserts of `field`

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        name = event.command_name
        if name not in DATA_COMMANDS:
            return
        self.commands[name] += 1
        documents = event.command.get("documents", ()) if name == "insert" else ()
        if any(self._field in document for document in documents):
            self._pending[event.request_id] = str(event.command["insert"])

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        collection = self._pending.pop(event.request_id, None)
        if collection is not None:
            self.inserted[collection] += int(event.reply.get("n", 0))

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._pending.pop(event.request_id, None)

    def snapshot(self) -> tuple[Counter[str], Counter[str]]:
        return Counter(self.commands), Counter(self.inserted)
