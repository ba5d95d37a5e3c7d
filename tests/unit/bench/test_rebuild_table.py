"""The rebuild bench's README table: each rebuild's headline (time, events, rate), the
command's own cost, and the check it passed."""

from __future__ import annotations

from typing import Any

from bench.rebuild_table import table


def _rebuild(wall: float, finds: float) -> dict[str, Any]:
    return {
        "wall_s": wall,
        "cpu_s": 30.0,
        "peak_rss_mib": 81.4,
        "read": 10_000,
        "applied": 5_000,
        "ignored": 5_000,
        "events_per_s": round(10_000 / wall, 1),
        "applied_per_s": round(5_000 / wall, 1),
        "store_round_trips_per_event": {"find": finds, "insert": 0.5, "total": finds + 0.5},
        "infra_cpu_s": {"ferretdb": 12.0, "kafka": 1.5},
        "check": {
            "views_equal": 1_000,
            "read_model_documents": {"timeline": 5_000, "deadlines": 0, "notifications": 0},
        },
    }


def _figures() -> dict[str, Any]:
    command = {"wall_s": 0.6, "cpu_s": 0.5, "peak_rss_mib": 61.1}
    return {
        "requests": 5_000,
        "fill": {"submissions_per_s": 140.2, "submitted_to_all_caught_up_s": 40.0},
        "drop": _rebuild(20.0, 0.5),
        "plain": _rebuild(25.0, 1.0),
        "lag": command,
        "start_up": command,
    }


def test_each_rebuild_heads_its_rows_with_time_events_and_rate() -> None:
    lines = table(_figures()).splitlines()

    assert lines[:2] == ["| measure | result |", "| --- | --- |"]
    assert (
        "| **`nigrani read-model rebuild intake --drop`** | **20.0 s for 10,000 events:"
        " 500 events/s** (250 applied/s) |" in lines
    )
    assert (
        "| **`nigrani read-model rebuild intake`** | **25.0 s for 10,000 events:"
        " 400 events/s** (200 applied/s) |" in lines
    )


def test_the_rows_carry_round_trips_memory_and_the_check() -> None:
    text = table(_figures())

    assert "| &nbsp;&nbsp;store round trips per event | 1.0 (find 0.5, insert 0.5) |" in text
    assert "| &nbsp;&nbsp;store round trips per event | 1.5 (find 1.0, insert 0.5) |" in text
    assert "20.0 s wall, 30.0 s CPU, peak RSS 81 MiB" in text
    assert "ferretdb 12.0, kafka 1.5" in text
    assert "1,000 public views equal to the live consumer's; timeline 5,000" in text
    assert "| events on the lifecycle topic | 10,000 (5,000 applied" in text


def test_infrastructure_cpu_is_left_out_when_the_stack_was_not_ours() -> None:
    figures = _figures()
    figures["drop"]["infra_cpu_s"] = {}
    figures["plain"]["infra_cpu_s"] = {}

    assert "CPU seconds of the infrastructure" not in table(figures)
