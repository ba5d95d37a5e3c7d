"""The Prometheus config and alert rules, checked and unit-tested by promtool.

The config checked is the one `make up` renders (the services on their real ports, the
rules by absolute path), so what runs is what was checked. Every alert must be unit-tested
firing and not firing in deploy/prometheus/tests/, and read only metrics that exist.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from nigrani_localinfra import paths
from nigrani_localinfra.prometheus import config_for
from nigrani_localinfra.system import SERVICES, scrape_targets

from tests.support.metric_names import known_series, metric_names
from tests.support.promtool import run_promtool

RULE_FILES = sorted(paths.PROMETHEUS_RULES_DIR.glob("*.yml"))
TEST_FILES = sorted((paths.PROMETHEUS_DIR / "tests").glob("*.yml"))
SEVERITIES = {"warning", "critical"}


def _alerts() -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            rules.extend(rule for rule in group["rules"] if "alert" in rule)
    return rules


def _rule_tests() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for path in TEST_FILES:
        for test in yaml.safe_load(path.read_text())["tests"]:
            cases.extend(test.get("alert_rule_test", []))
    return cases


def test_the_config_make_up_renders_passes_promtool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROUTING_PORT", "18001")
    config = tmp_path / "prometheus.yml"
    config.write_text(config_for(scrape_targets(SERVICES), 19090))

    output = run_promtool("check", "config", config)

    for rule_file in RULE_FILES:
        assert f"Checking {rule_file}" in output
    jobs = {
        job["job_name"]: job["static_configs"][0]["targets"]
        for job in yaml.safe_load(config.read_text())["scrape_configs"]
    }
    assert jobs == {
        "intake": ["127.0.0.1:8000"],
        "routing": ["127.0.0.1:18001"],
        "sla": ["127.0.0.1:8002"],
        "notify": ["127.0.0.1:8003"],
        "prometheus": ["127.0.0.1:19090"],
    }


def test_the_repository_config_passes_promtool_as_written() -> None:
    run_promtool("check", "config", paths.PROMETHEUS_CONFIG_TEMPLATE)


def test_the_rules_pass_promtool_check() -> None:
    assert RULE_FILES
    output = run_promtool("check", "rules", *RULE_FILES)
    assert output.count("SUCCESS") == len(RULE_FILES)


def test_the_rules_unit_tests_pass() -> None:
    assert TEST_FILES
    output = run_promtool("test", "rules", *TEST_FILES)
    assert output.count("SUCCESS") == len(TEST_FILES)


def test_every_alert_is_unit_tested_firing_and_not_firing() -> None:
    cases = _rule_tests()
    for alert in _alerts():
        name = alert["alert"]
        mine = [case for case in cases if case["alertname"] == name]
        assert any(case["exp_alerts"] for case in mine), f"{name} is never tested firing"
        assert any(not case["exp_alerts"] for case in mine), f"{name} is never tested quiet"


def test_every_alert_waits_has_a_severity_and_says_what_happened() -> None:
    alerts = _alerts()
    assert {alert["alert"] for alert in alerts} >= {
        "NigraniSlaBreachesRising",
        "NigraniOverdueBacklogGrowing",
        "NigraniDepartmentSilentWithOverdueWork",
        "NigraniSlaSchedulerLate",
        "NigraniConsumerLagHigh",
        "NigraniDeadLetters",
        "NigraniServiceDown",
    }
    for alert in alerts:
        assert alert.get("for"), f"{alert['alert']} has no for:"
        assert alert["labels"]["severity"] in SEVERITIES, alert["alert"]
        assert alert["annotations"]["summary"]
        assert alert["annotations"]["description"]


def test_the_rules_read_only_metrics_the_services_export() -> None:
    known = known_series()
    for alert in _alerts():
        used = metric_names(alert["expr"])
        assert used, f"no metric found in {alert['alert']}"
        assert used <= known, f"{alert['alert']} reads unknown {sorted(used - known)}"
