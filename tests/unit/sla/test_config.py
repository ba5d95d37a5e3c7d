"""The SLA settings name the packaged policy and calendar files unless told otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from nigrani_sla.calendar.loader import load_calendars
from nigrani_sla.config import SlaSettings
from nigrani_sla.policies.loader import load_policies


def test_the_defaults_are_the_packaged_files_and_they_load() -> None:
    settings = SlaSettings()
    assert settings.policies_path.name == "policies.yaml"
    load_policies(settings.policies_path)
    load_calendars(settings.calendars_path, settings.closures_path)


def test_each_path_can_be_set_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SLA_POLICIES_PATH", str(tmp_path / "p.yaml"))
    monkeypatch.setenv("SLA_CALENDARS_PATH", str(tmp_path / "c.yaml"))
    monkeypatch.setenv("SLA_CLOSURES_PATH", str(tmp_path / "x.yaml"))
    settings = SlaSettings()
    assert (settings.policies_path, settings.calendars_path, settings.closures_path) == (
        tmp_path / "p.yaml",
        tmp_path / "c.yaml",
        tmp_path / "x.yaml",
    )
