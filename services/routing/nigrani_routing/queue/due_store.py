"""The SLA's due times and breaches as routing received them, kept so that the in-memory
queue gets them back after a restart (they are not in the case, which is written only
through the ledger, and not in routing's own events).

Written only by routing's consumer, as insert-only documents (a redelivery's insert is a
duplicate key: nothing to do), so no two writers ever update one document:
`_id` = "<request>:deadline:<generation>" holds that sla.deadline_set, and
"<request>:breached" the resolution's sla.breached. Read whole at a resync only, which
already reads every case snapshot; the queue feed takes what arrives later from the topic,
starting from the offsets routing's consumer group had committed, so nothing stored after
the reload is missed (composition.py).
"""

from __future__ import annotations

from nigrani_shared.events import DeadlineSet, SlaBreached
from nigrani_shared.store.client import Document
from nigrani_shared.store.writes import insert_or_get
from pymongo.asynchronous.database import AsyncDatabase

COLLECTION = "sla_due_times"


class DueTimesStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db[COLLECTION]

    async def record_deadline(self, data: DeadlineSet) -> None:
        document = {
            "_id": f"{data.request_id}:deadline:{data.generation}",
            "kind": "deadline",
            **data.model_dump(mode="python"),
        }
        await insert_or_get(self._collection, document)

    async def record_breach(self, data: SlaBreached) -> None:
        if data.target != "resolution":
            return
        document = {
            "_id": f"{data.request_id}:breached",
            "kind": "breach",
            **data.model_dump(mode="python"),
        }
        await insert_or_get(self._collection, document)

    async def everything(self) -> list[DeadlineSet | SlaBreached]:
        """Every recorded event, for a resync (a scan, like the case snapshots' reload)."""
        found: list[DeadlineSet | SlaBreached] = []
        for document in await self._collection.find({}).to_list():
            fields = {k: v for k, v in document.items() if k not in ("_id", "kind")}
            model = DeadlineSet if document["kind"] == "deadline" else SlaBreached
            found.append(model.model_validate(fields))
        return found
