"""Reading the operator commands' output in the rebuild bench: the rebuild's counts and
each group's total lag."""

from __future__ import annotations

import pytest

from bench.rebuild_command import CommandRun, lag_totals, rebuild_summary


def test_the_rebuild_summary_gives_events_read_applied_and_ignored() -> None:
    stdout = (
        "rebuilt intake from bench1.requests.lifecycle: 10000 events read, 5000 applied,"
        " 5000 not for this read model\n"
    )

    assert rebuild_summary(stdout) == {"read": 10000, "applied": 5000, "ignored": 5000}


def test_output_without_a_summary_is_refused_rather_than_read_as_zero() -> None:
    with pytest.raises(ValueError, match="no rebuild summary"):
        rebuild_summary("refused: there is no topic x.requests.lifecycle\n")


def test_lag_totals_come_from_each_groups_total_line_only() -> None:
    stdout = "\n".join(
        [
            "GROUP    TOPIC                       PARTITION  COMMITTED  END   LAG",
            "intake   nigrani.requests.lifecycle  0          1520       1523  3",
            "intake   nigrani.requests.lifecycle  1          -          40    -",
            "intake   (total)                                                 3",
            "routing  nigrani.requests.lifecycle  0          1523       1523  0",
            "routing  (total)                                                 0",
        ]
    )

    assert lag_totals(stdout) == {"intake": 3, "routing": 0}


def test_a_command_is_shown_as_the_operator_types_it() -> None:
    run = CommandRun(
        argv=("/work/x/.venv/bin/nigrani", "read-model", "rebuild", "intake", "--drop"),
        returncode=0,
        wall_s=12.345,
        cpu_s=8.0,
        peak_rss_mib=80.04,
        stdout="",
        stderr="",
    )

    assert run.figures() == {
        "command": "nigrani read-model rebuild intake --drop",
        "wall_s": 12.35,
        "cpu_s": 8.0,
        "peak_rss_mib": 80.0,
    }
