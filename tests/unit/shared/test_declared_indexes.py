"""The README's table of secondary indexes is what the services declare at start-up, and
every index is declared by the service that owns its collection."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from nigrani_intake.indexes import INDEXES as INTAKE
from nigrani_notify.repository import INDEXES as NOTIFY
from nigrani_routing.cases.repository import INDEXES as ROUTING
from nigrani_shared.store.client import IndexSpec
from nigrani_sla.repository import INDEXES as SLA

README = Path(__file__).parents[3] / "README.md"
DECLARED: dict[str, tuple[IndexSpec, ...]] = {
    "intake": tuple(INTAKE),
    "routing": tuple(ROUTING),
    "sla": tuple(SLA),
    "notify": tuple(NOTIFY),
}
ROW = re.compile(r"^\| (intake|routing|sla|notify) \| `(\w+)` \| `(\w+)` \| ([^|]+) \|")


def documented() -> set[tuple[str, str, str, str]]:
    rows = set()
    for line in README.read_text().splitlines():
        match = ROW.match(line)
        if match:
            service, collection, name, keys = match.groups()
            rows.add((service, collection, name, keys.strip()))
    return rows


def described(spec: IndexSpec) -> str:
    return ", ".join(
        f"`{field}`" + (" (descending)" if direction == -1 else "")
        for field, direction in spec.keys
    )


def test_the_readme_lists_every_declared_index_and_no_other() -> None:
    declared = {
        (service, spec.collection, spec.name, described(spec))
        for service, specs in DECLARED.items()
        for spec in specs
    }
    assert documented() == declared


@pytest.mark.parametrize(("service", "specs"), DECLARED.items())
def test_the_relays_range_query_has_its_index(service: str, specs: tuple[IndexSpec, ...]) -> None:
    """Each service's outbox relay asks for entries older than a moment: on MongoDB that
    range is served by an index on the entry's time, not by a scan."""
    outbox_times = {(s.collection, tuple(s.keys)) for s in specs if "outbox" in s.collection}
    assert outbox_times, f"{service} declares no index on its outbox"
