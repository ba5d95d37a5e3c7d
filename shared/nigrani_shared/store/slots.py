"""Append-only lists kept as one document per slot, `_id` = "<prefix>:<slot>".

The local store (FerretDB) applies an update by reading the whole document and writing it
back, so two concurrent updates of one document can lose one of them; it never loses an
insert. A list that several writers extend is therefore never an array or a map inside
one document: each item is its own document, and writers take slots 0, 1, 2 ... by
inserting (a duplicate key says the slot is taken; the writer moves on). The list is read
by `_id` (the only filter the store serves from an index) slot by slot until the first
missing one. Items are never updated or deleted, so what a reader saw stays true.

An item may carry an identity (`unique`): a writer that meets its own item in a slot
stops there, so appending is idempotent and two concurrent writers of one item store it
once (both walk the same slots, whose occupants never change, and both stop at the first
that holds it).
"""

from __future__ import annotations

from collections.abc import Container

from pymongo.asynchronous.collection import AsyncCollection

from nigrani_shared.store.client import Document
from nigrani_shared.store.writes import insert_or_get


def slot_id(prefix: str, slot: int) -> str:
    return f"{prefix}:{slot}"


async def append(
    collection: AsyncCollection[Document],
    prefix: str,
    fields: Document,
    *,
    unique: str | None = None,
    first: int = 0,
) -> Document:
    """Stores `fields` in the first free slot from `first` and returns the stored item;
    with `unique` (a field name), returns the item already holding the same value of that
    field instead, if one comes first (the items already there are read first, so the walk
    starts at the first free slot: slots once taken never change)."""
    slot = first
    if unique is not None:
        items = await read_all(collection, prefix, first=first)
        for item in items:
            if item.get(unique) == fields[unique]:
                return item
        slot += len(items)
    while True:
        outcome = await insert_or_get(collection, {**fields, "_id": slot_id(prefix, slot)})
        stored = outcome.stored
        if outcome.inserted or (
            unique is not None and stored is not None and stored.get(unique) == fields[unique]
        ):
            assert stored is not None
            return stored
        slot += 1


async def read_all(
    collection: AsyncCollection[Document],
    prefix: str,
    *,
    first: int = 0,
    held_elsewhere: Container[int] = (),
) -> list[Document]:
    """The items from slot `first` up to the first missing slot, in slot order. A slot in
    `held_elsewhere` (its item kept in an older layout) does not end the list when
    missing here."""
    found: list[Document] = []
    slot = first
    while True:
        item = await collection.find_one({"_id": slot_id(prefix, slot)})
        if item is not None:
            found.append(item)
        elif slot not in held_elsewhere:
            return found
        slot += 1
