from pathlib import Path

import pytest
import yaml
from nigrani_localinfra import paths
from nigrani_localinfra.errors import InfraError
from nigrani_localinfra.prometheus_config import render_config
from nigrani_localinfra.prometheus_package import provision_prometheus, require_prometheus


def test_only_the_jobs_started_are_scraped_on_their_ports() -> None:
    config = yaml.safe_load(render_config({"sla": ["127.0.0.1:18002"]}))

    assert config["scrape_configs"] == [
        {"job_name": "sla", "static_configs": [{"targets": ["127.0.0.1:18002"]}]}
    ]
    assert config["rule_files"] == [str(paths.PROMETHEUS_RULES_DIR / "*.yml")]


def test_a_job_the_config_does_not_have_is_refused() -> None:
    with pytest.raises(InfraError, match="no job named slaa"):
        render_config({"slaa": ["127.0.0.1:8002"]})


def test_missing_promtool_names_the_debian_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(InfraError, match="apt-get install prometheus"):
        require_prometheus()


def test_without_apt_get_provisioning_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(InfraError, match="not a Debian system"):
        provision_prometheus(log=lambda _: None, cache=tmp_path)
