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
    """`partitions` (the settings' count) is only a first guess: every record says how
    many partitions the topic really has (a topic created earlier keeps its own count),
    and the records' word is taken."""

    def __init__(self, collection: AsyncCollection[Document], partitions: int) -> None:
        self._collection = collection
        self._partitions = partitions

    async def record(self, progress: Mapping[int, datetime], partitions: int) -> None:
        await asyncio.gather(
            *(
                self._collection.replace_one(
                    {"_id": _progress_id(partition)},
                    {
                        "_id": _progress_id(partition),
                        "applied_up_to": moment,
                        "partitions": partitions,
                    },
                    upsert=True,
                )
                for partition, moment in progress.items()
            )
        )

    async def applied_up_to(self) -> datetime | None:
        """The earliest moment up to which every partition has been applied; None while
        a partition has no record (its owner has not reported yet)."""
        documents = await self._read(range(self._partitions))
        counts = [d["partitions"] for d in documents if d is not None and "partitions" in d]
        if counts and max(counts) != self._partitions:
            self._partitions = max(counts)
            documents = await self._read(range(self._partitions))
        moments: list[datetime] = [d["applied_up_to"] for d in documents if d is not None]
        return min(moments) if len(moments) == self._partitions else None

    async def _read(self, partitions: range) -> list[Document | None]:
        return list(
            await asyncio.gather(
                *(self._collection.find_one({"_id": _progress_id(n)}) for n in partitions)
            )
        )


def _progress_id(partition: int) -> str:
    return f"progress:{partition}"
