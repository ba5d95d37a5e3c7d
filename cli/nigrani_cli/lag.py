"""`nigrani lag`: how far behind each consumer group is, partition by partition."""

from __future__ import annotations

from typing import Annotated

import typer
from nigrani_shared.kafka.lag import PartitionLag, consumer_lag

from nigrani_cli.failures import fail, run
from nigrani_cli.settings import shared_settings

HEADER = ("GROUP", "TOPIC", "PARTITION", "COMMITTED", "END", "LAG")


def lag(
    group: Annotated[
        list[str] | None,
        typer.Option(help="A consumer group (repeat for several); every group if omitted."),
    ] = None,
) -> None:
    """Show how far behind each consumer group is.

    Per consumer group and partition: the committed offset, the partition's end offset
    and the lag between them ("-" where the group never committed). The last line of each
    group is its total."""
    settings = shared_settings()
    rows = run(consumer_lag(settings.kafka_bootstrap_servers, group or None))
    silent = [name for name in group or () if not any(r.group == name for r in rows)]
    if silent:
        fail(f"no committed offsets for group {', '.join(silent)}; is the name right?")
    if not rows:
        typer.echo("no consumer group has committed offsets")
        return
    typer.echo(_table(rows))


def _table(rows: list[PartitionLag]) -> str:
    lines: list[tuple[str, ...]] = [HEADER]
    for name in dict.fromkeys(r.group for r in rows):
        own = [r for r in rows if r.group == name]
        lines += [
            (r.group, r.topic, str(r.partition), _or_dash(r.committed), str(r.end), _or_dash(r.lag))
            for r in own
        ]
        lines.append((name, "(total)", "", "", "", str(sum(r.lag or 0 for r in own))))
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def _or_dash(value: int | None) -> str:
    return "-" if value is None else str(value)
