"""Builds the store client and declares indexes at start-up.

FerretDB uses an index only for a filter on exactly one `_id`; secondary indexes are still
declared because production may run on MongoDB, where they matter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from nigrani_shared.store.write_concern import default_write_concern

Document = dict[str, Any]


def create_client(uri: str, *, app_name: str) -> AsyncMongoClient[Document]:
    """Writes with w=majority and the journal unless the URI says otherwise (refused in
    production: see write_concern.py)."""
    return AsyncMongoClient(
        uri,
        appname=app_name,
        tz_aware=True,
        serverSelectionTimeoutMS=5000,
        uuidRepresentation="standard",
        **default_write_concern(uri),
    )


@dataclass(frozen=True)
class IndexSpec:
    collection: str
    keys: Sequence[tuple[str, int]]
    name: str
    unique: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)


async def ensure_indexes(db: AsyncDatabase[Document], specs: Sequence[IndexSpec]) -> None:
    for spec in specs:
        await db[spec.collection].create_index(
            list(spec.keys), name=spec.name, unique=spec.unique, **spec.options
        )


async def store_reachable(client: AsyncMongoClient[Document]) -> bool:
    try:
        await client.admin.command("ping")
        return True
    except Exception:
        return False
