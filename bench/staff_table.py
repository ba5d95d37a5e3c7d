"""The Markdown table of `python -m bench --only staff` (bench/staff.py), for the README."""

from __future__ import annotations

from typing import Any


def table(r: dict[str, Any]) -> str:
    actions, pages, scan = r["staff_actions"], r["queue_first_page"], r["store_queue_query"]
    updates = r["store_conditional_update"]
    n, m = r["queue_cases"], r["queue_open_in_department"]
    rows = [
        (f"bare store insert_one ({r['officers']} in flight)", f"{r['raw_store_inserts_per_s']}/s"),
        (
            f"staff actions, claim/start/note ({r['officers']} officers)",
            f"{actions['per_s']} actions/s, p50 {actions['p50_ms']} ms, "
            f"p99 {actions['p99_ms']} ms, errors {actions['errors'] or 0}",
        ),
        ("store round trips per staff action", _trips(r["round_trips_per_action"])),
        ("routing: round trips per request.submitted", _trips(r["round_trips_per_submitted"])),
        ("routing: per request.citizen_acted", _trips(r["round_trips_per_citizen_acted"])),
        ("intake: per request.status_changed", _trips(r["round_trips_per_status_changed"])),
        *(
            (f"queue first page, sort={name}, {m:,} open of {n:,}", _page(p))
            for name, p in pages.items()
        ),
        (
            "store-side query (find dept+open, sort routed_at, limit 50)",
            f"p50 {scan['p50_ms']} ms, max {scan['max_ms']} ms ({scan['samples']} samples)",
        ),
        (
            "store update by `_id` / by `_id` and `version`",
            f"p50 {updates['id_only_p50_ms']} ms / {updates['id_and_version_p50_ms']} ms",
        ),
        (
            "routing start-up to ready: empty store / seeded",
            f"{r['routing_ready_s_empty']} s / {r['routing_ready_s_seeded']} s "
            f"(resync alone: read {r['resync_in_bench_process']['read_s']} s, "
            f"build {r['resync_in_bench_process']['load_s']} s)",
        ),
        (
            "routing RSS: empty store / seeded",
            f"{r['routing_rss_mib_empty']['ready']} MiB / "
            f"{r['routing_rss_mib_seeded']['after_gets']} MiB",
        ),
    ]
    race = r["compare_and_set_race"]
    rows.insert(
        1,
        (
            f"{race['writers']} concurrent writers of one case version, {race['rounds']} rounds",
            f"several winners in {race['conditional_update_several_winners']} rounds with "
            f"update `{{_id, version}}`, {race['insert_change_several_winners']} with the "
            "change insert",
        ),
    )
    lines = ["| measure | result |", "| --- | --- |"]
    return "\n".join([*lines, *(f"| {a} | {b} |" for a, b in rows)])


def _trips(ops: dict[str, float]) -> str:
    parts = ", ".join(f"{name} {n}" for name, n in ops.items() if name != "total")
    return f"{ops['total']} ({parts})"


def _page(p: dict[str, Any]) -> str:
    return (
        f"p50 {p['p50_ms']} ms, p99 {p['p99_ms']} ms ({p['count']} GETs, errors {p['errors'] or 0})"
    )
