"""Reloading: a good file takes effect for the next decision, a bad one changes nothing."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest
from nigrani_routing.rules.errors import RulesError
from nigrani_routing.rules.holder import RulesHolder, reload_on_sighup
from nigrani_routing.rules.loader import DEFAULT_AREAS_PATH, DEFAULT_RULES_PATH
from nigrani_routing.rules.matching import RoutingInput, decide
from prometheus_client import REGISTRY

LAHORE_WATER = RoutingInput("water.no_supply", district="Lahore")


def _holder(tmp_path: Path) -> RulesHolder:
    (tmp_path / "routing.yaml").write_bytes(DEFAULT_RULES_PATH.read_bytes())
    (tmp_path / "areas.geojson").write_bytes(DEFAULT_AREAS_PATH.read_bytes())
    return RulesHolder(tmp_path / "routing.yaml", tmp_path / "areas.geojson")


def _edit_rules(tmp_path: Path, old: str, new: str) -> None:
    path = tmp_path / "routing.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _reloads(outcome: str) -> float:
    return REGISTRY.get_sample_value("nigrani_rules_reloads_total", {"outcome": outcome}) or 0.0


def _version_in_force() -> str | None:
    for metric in REGISTRY.collect():
        if metric.name == "nigrani_rules":
            return next(s.labels["version"] for s in metric.samples)
    return None


def test_a_good_file_is_in_force_after_reload(tmp_path: Path) -> None:
    holder = _holder(tmp_path)
    old = holder.current
    loaded_before = _reloads("loaded")
    _edit_rules(tmp_path, "    department: WASA-LHR\n", "    department: LG-WATER\n")
    new = holder.reload()
    assert holder.current is new
    assert new.version != old.version
    assert decide(old, LAHORE_WATER).department.code == "WASA-LHR"
    assert decide(holder.current, LAHORE_WATER).department.code == "LG-WATER"
    assert _reloads("loaded") == loaded_before + 1
    assert _version_in_force() == new.version


def test_an_areas_change_alone_changes_the_version(tmp_path: Path) -> None:
    holder = _holder(tmp_path)
    old = holder.current.version
    areas = tmp_path / "areas.geojson"
    areas.write_text(areas.read_text().replace("Model Town", "Model Town Lahore"))
    assert holder.reload().version != old


def test_a_bad_file_is_refused_and_the_rules_in_force_stay(tmp_path: Path) -> None:
    holder = _holder(tmp_path)
    before = holder.current
    refused_before = _reloads("refused")
    _edit_rules(tmp_path, "department: WASA-LHR\n", "department: WASA-LHX\n")
    with pytest.raises(RulesError, match=r"routing.yaml line \d+: rule water-lahore names"):
        holder.reload()
    assert holder.current is before
    assert decide(holder.current, LAHORE_WATER).department.code == "WASA-LHR"
    assert _reloads("refused") == refused_before + 1
    assert _version_in_force() == before.version


def test_a_bad_file_at_start_up_stops_the_service(tmp_path: Path) -> None:
    (tmp_path / "routing.yaml").write_text("rules: [", encoding="utf-8")
    with pytest.raises(RulesError):
        RulesHolder(tmp_path / "routing.yaml", DEFAULT_AREAS_PATH)


async def test_sighup_reloads_the_rules(tmp_path: Path) -> None:
    holder = _holder(tmp_path)
    old = holder.current
    remove = reload_on_sighup(holder)
    try:
        _edit_rules(tmp_path, "    department: WASA-LHR\n", "    department: LG-WATER\n")
        os.kill(os.getpid(), signal.SIGHUP)
        for _ in range(200):
            if holder.current is not old:
                break
            await asyncio.sleep(0.01)
        assert decide(holder.current, LAHORE_WATER).department.code == "LG-WATER"
    finally:
        remove()
