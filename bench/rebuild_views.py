"""What the rebuild bench checks the rebuild against: the public view of sampled requests
(intake's `GET /v1/requests/{code}`, as a citizen sees it) and the size of each read-model
collection, taken from the live consumer's read model and again after each rebuild.

A bench that timed a rebuild which lost or changed part of the view would report a fast
broken command, so any difference fails the run.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping
from typing import Any

import aiohttp
from nigrani_intake.read_model import COLLECTIONS
from nigrani_shared.kafka.lag import consumer_lag
from nigrani_shared.store.client import create_client

Views = dict[str, dict[str, Any]]


async def public_views(url: str, codes: Iterable[str], concurrency: int = 16) -> Views:
    """Each code's public status; a code intake does not answer 200 for is left out."""
    views: Views = {}
    pending = iter(list(codes))
    async with aiohttp.ClientSession(url) as session:

        async def client() -> None:
            for code in pending:
                async with session.get(f"/v1/requests/{code}") as response:
                    if response.status == 200:
                        views[code] = await response.json()

        await asyncio.gather(*(client() for _ in range(concurrency)))
    return views


def differences(before: Views, after: Views) -> list[str]:
    """Codes whose view is missing or not equal after, each with why, sorted."""
    found = []
    for code in sorted(before):
        if code not in after:
            found.append(f"{code}: no view after the rebuild")
        elif after[code] != before[code]:
            changed = sorted(
                key
                for key in before[code].keys() | after[code].keys()
                if before[code].get(key) != after[code].get(key)
            )
            found.append(f"{code}: {', '.join(changed)} differ")
    return found


def statuses(views: Views) -> dict[str, int]:
    """How many views show each status."""
    counts: dict[str, int] = {}
    for view in views.values():
        counts[str(view["status"])] = counts.get(str(view["status"]), 0) + 1
    return dict(sorted(counts.items()))


async def read_model_sizes(uri: str, database: str) -> dict[str, int]:
    """Documents in each collection of intake's read model."""
    client = create_client(uri, app_name="nigrani-bench-rebuild")
    try:
        db = client[database]
        return {name: await db[name].count_documents({}) for name in COLLECTIONS}
    finally:
        await client.close()


async def caught_up(bootstrap: str, group: str, topic: str, within: float) -> bool:
    """Waits until `group` has committed the end of every partition of `topic`."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        rows = [r for r in await consumer_lag(bootstrap, [group]) if r.topic == topic]
        if rows and all(r.lag == 0 or (r.committed is None and r.end == 0) for r in rows):
            return True
        await asyncio.sleep(0.5)
    return False


def same_sizes(before: Mapping[str, int], after: Mapping[str, int]) -> list[str]:
    return [
        f"{name}: {before[name]} documents before, {after.get(name, 0)} after"
        for name in before
        if after.get(name, 0) != before[name]
    ]
