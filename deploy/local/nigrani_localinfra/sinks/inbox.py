"""What the local sinks received: kept in memory for the page and appended to
``<data_dir>/mail.jsonl`` and ``sms.jsonl`` so that a restart keeps it.

A local development tool: the records hold addresses, numbers and texts as they arrived,
on the developer's own machine and nowhere else.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

Kind = Literal["mail", "sms"]
Record = dict[str, Any]

#: How many records the page keeps in memory (the files keep everything).
KEPT = 500


class Inbox:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._records: deque[Record] = deque(maxlen=KEPT)
        self._sms_keys: dict[str, str] = {}  # idempotency key -> record id

    def load(self) -> None:
        """Reads what earlier runs kept, oldest first."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        loaded: list[Record] = []
        for kind in ("mail", "sms"):
            path = self._path(kind)
            if path.exists():
                lines = path.read_text(encoding="utf-8").splitlines()
                loaded.extend(json.loads(line) for line in lines if line.strip())
        for record in sorted(loaded, key=lambda record: str(record["received_at"])):
            self._remember(record)

    def newest_first(self) -> list[Record]:
        return list(reversed(self._records))

    def find(self, record_id: str) -> Record | None:
        return next((record for record in self._records if record["id"] == record_id), None)

    def sms_for_key(self, key: str) -> str | None:
        """The id of the SMS already accepted under this idempotency key."""
        return self._sms_keys.get(key)

    async def add(self, kind: Kind, fields: Record) -> Record:
        record: Record = {
            "id": f"{kind}-{uuid.uuid4().hex[:12]}",
            "kind": kind,
            "received_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            **fields,
        }
        self._remember(record)
        line = json.dumps(record, ensure_ascii=False) + "\n"
        await asyncio.to_thread(self._append, kind, line)
        return record

    def _remember(self, record: Record) -> None:
        self._records.append(record)
        if record["kind"] == "sms" and record.get("key"):
            self._sms_keys[str(record["key"])] = str(record["id"])

    def _append(self, kind: Kind, line: str) -> None:
        with self._path(kind).open("a", encoding="utf-8") as file:
            file.write(line)

    def _path(self, kind: Kind) -> Path:
        return self.data_dir / f"{kind}.jsonl"
