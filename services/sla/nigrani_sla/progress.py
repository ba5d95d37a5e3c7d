"""How far the SLA consumer has applied the lifecycle topic, so that no timer fires on a
clock that has not yet heard of what happened before its due time.

Without it, a lagging consumer (after downtime, a new group replaying from the start, a
slow partition) would let a breach due at 10:00 fire for a request resolved at 09:59
whose resolution the consumer has not applied yet. So each partition's owner records,
after every round, up to when everything appended to its partition has been applied
(ConsumerRuntime's progress; one writer per partition, a regression only makes sweeps
wait), and sweeps fire only up to the earliest of those moments: late, never wrong. A
partition with no record yet holds every sweep back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime

from nigrani_shared.store.client import Document
from pymongo.asynchronous.collection import AsyncCollection


class ConsumerProgress:
    def __init__(self, collection: AsyncCollection[Document], partitions: int) -> None:
        self._collection = collection
        self._partitions = partitions

    async def record(self, progress: Mapping[int, datetime]) -> None:
        await asyncio.gather(
            *(
                self._collection.replace_one(
                    {"_id": _progress_id(partition)},
                    {"_id": _progress_id(partition), "applied_up_to": moment},
                    upsert=True,
                )
                for partition, moment in progress.items()
            )
        )

    async def applied_up_to(self) -> datetime | None:
        """The earliest moment up to which every partition has been applied; None while
        a partition has no record (its owner has not reported yet)."""
        documents = await asyncio.gather(
            *(
                self._collection.find_one({"_id": _progress_id(partition)})
                for partition in range(self._partitions)
            )
        )
        moments: list[datetime] = [d["applied_up_to"] for d in documents if d is not None]
        return min(moments) if len(moments) == self._partitions else None


def _progress_id(partition: int) -> str:
    return f"progress:{partition}"
