"""Reading the stored timeline: its order, the case's current state, its department and
when it was last resolved.

The timeline is a map from event id to entry, written by the consumer with one `$set` per
event in whatever order events arrive. Nothing is compared-and-set on the request
document (a filter beyond `_id` scans the collection on FerretDB); instead every reading
orders the entries by case version, so a redelivered or late older event fills its own
place in the history and never becomes the current state. Entries written before case
versions existed (submitted, routed) count as versions 0 and 1: routing creates the case
at version 1 when it routes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

Entry = dict[str, Any]


def case_version(entry: Entry) -> int:
    version = entry.get("case_version")
    if isinstance(version, int):
        return version
    return 0 if entry.get("status") == "submitted" else 1


def ordered(timeline: dict[str, Entry]) -> list[Entry]:
    """Oldest first, by case version then time; one entry per explicit case version (two
    events announcing one version, say a re-announcement under a new id, are one change)."""
    versions_seen: set[int] = set()
    entries: list[Entry] = []
    for event_id in sorted(timeline):
        entry = timeline[event_id]
        version = entry.get("case_version")
        if isinstance(version, int):
            if version in versions_seen:
                continue
            versions_seen.add(version)
        entries.append(entry)
    return sorted(entries, key=lambda e: (case_version(e), e["at"]))


@dataclass(frozen=True)
class CaseState:
    """What the timeline says about the case now."""

    state: str
    department_code: str | None
    department_name: str | None
    resolved_at: datetime | None


def current(entries: list[Entry]) -> CaseState:
    """`entries` as `ordered` returns them (never empty: a request is stored submitted)."""
    latest = entries[-1]
    with_department = [e for e in entries if e.get("department_code")]
    resolutions = [e for e in entries if e.get("status") == "resolved"]
    return CaseState(
        state=str(latest.get("status")),
        department_code=with_department[-1]["department_code"] if with_department else None,
        department_name=with_department[-1]["department_name"] if with_department else None,
        resolved_at=resolutions[-1]["at"] if resolutions else None,
    )
