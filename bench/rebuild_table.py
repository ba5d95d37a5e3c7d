"""The rebuild bench's Markdown table for the README."""

from __future__ import annotations

from typing import Any


def _round_trips(ops: dict[str, float]) -> str:
    parts = ", ".join(f"{name} {n}" for name, n in ops.items() if name != "total")
    return f"{ops['total']} ({parts})" if parts else str(ops["total"])


def _command(r: dict[str, Any]) -> str:
    return f"{r['wall_s']:.1f} s wall, {r['cpu_s']:.1f} s CPU, peak RSS {r['peak_rss_mib']:.0f} MiB"


def _rebuild_rows(label: str, r: dict[str, Any]) -> list[tuple[str, str]]:
    cpu = ", ".join(f"{name} {seconds}" for name, seconds in r["infra_cpu_s"].items())
    check = r["check"]
    rows = [
        (
            f"**`{label}`**",
            f"**{r['wall_s']:.1f} s for {r['read']:,} events: {r['events_per_s']:,.0f} events/s**"
            f" ({r['applied_per_s']:,.0f} applied/s)",
        ),
        ("&nbsp;&nbsp;the command", _command(r)),
        ("&nbsp;&nbsp;store round trips per event", _round_trips(r["store_round_trips_per_event"])),
    ]
    if cpu:
        rows.append(("&nbsp;&nbsp;CPU seconds of the infrastructure meanwhile", cpu))
    rows.append(
        (
            "&nbsp;&nbsp;checked afterwards",
            f"{check['views_equal']:,} public views equal to the live consumer's; "
            + ", ".join(f"{n} {c:,}" for n, c in check["read_model_documents"].items()),
        )
    )
    return rows


def table(r: dict[str, Any]) -> str:
    fill, drop = r["fill"], r["drop"]
    rows = [
        (
            "requests submitted and routed first (intake, routing)",
            f"{r['requests']:,} ({fill['submissions_per_s']} req/s; all routed and intake "
            f"caught up {fill['submitted_to_all_caught_up_s']} s after the first)",
        ),
        (
            "events on the lifecycle topic",
            f"{drop['read']:,} ({drop['applied']:,} applied by intake's handlers, "
            f"{drop['ignored']:,} not theirs)",
        ),
        *_rebuild_rows("nigrani read-model rebuild intake --drop", drop),
        *_rebuild_rows("nigrani read-model rebuild intake", r["plain"]),
        ("`nigrani lag`", _command(r["lag"])),
        ("`nigrani --help` (start-up alone)", _command(r["start_up"])),
    ]
    return "\n".join(
        ["| measure | result |", "| --- | --- |", *(f"| {a} | {b} |" for a, b in rows)]
    )
