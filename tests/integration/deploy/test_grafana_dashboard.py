"""The provisioned Grafana dashboard: every query parses and reads metrics that exist.

promtool cannot parse a lone expression offline (`promtool query` needs a server), so each
panel's expression becomes a recording rule in a throwaway file that `promtool check rules`
parses. Grafana's own interval variables are replaced by durations first, as Grafana does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from nigrani_localinfra import paths

from tests.support.metric_names import known_series, metric_names
from tests.support.promtool import run_promtool

GRAFANA_DIR = paths.PROMETHEUS_DIR.parent / "grafana"
DASHBOARDS = sorted((GRAFANA_DIR / "dashboards").glob("*.json"))
GRAFANA_INTERVALS = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1d"}
#: What the issue asks the dashboard to show, by the series each view must read.
REQUIRED_SERIES = {
    "nigrani_sla_open_requests",
    "nigrani_sla_overdue_requests",
    "nigrani_sla_breaches_total",
    "nigrani_sla_escalations_total",
    "nigrani_sla_time_to_resolve_seconds_bucket",
    "nigrani_sla_firing_lateness_seconds_bucket",
    "nigrani_consumer_lag_messages",
    "nigrani_dead_letters_total",
}


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))


def _expressions(dashboard: dict[str, Any]) -> list[str]:
    return [
        target["expr"]
        for panel in _panels(dashboard["panels"])
        for target in panel.get("targets", [])
    ]


def _as_promql(expr: str) -> str:
    for variable, duration in GRAFANA_INTERVALS.items():
        expr = expr.replace(variable, duration)
    return expr


def _load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def test_there_is_a_dashboard_and_it_has_queries() -> None:
    assert DASHBOARDS
    for path in DASHBOARDS:
        assert _expressions(_load(path)), path


def test_every_dashboard_query_parses(tmp_path: Path) -> None:
    for path in DASHBOARDS:
        rules = [
            {"record": f"dashboard:query_{index}", "expr": _as_promql(expr)}
            for index, expr in enumerate(_expressions(_load(path)))
        ]
        throwaway = tmp_path / f"{path.stem}.rules.yml"
        throwaway.write_text(yaml.safe_dump({"groups": [{"name": path.stem, "rules": rules}]}))

        output = run_promtool("check", "rules", throwaway)

        assert f"SUCCESS: {len(rules)} rules found" in output


def test_every_dashboard_query_reads_metrics_the_services_export() -> None:
    known = known_series()
    read: set[str] = set()
    for path in DASHBOARDS:
        dashboard = _load(path)
        for expr in _expressions(dashboard):
            used = metric_names(expr)
            assert used, f"no metric in {expr!r}"
            assert used <= known, f"{path.name} reads unknown {sorted(used - known)}"
            read |= used
        for variable in dashboard["templating"]["list"]:
            query = variable.get("definition", "")
            named = re.findall(r"label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)", query)
            assert set(named) <= known, f"variable {variable['name']} reads {named}"
    assert read >= REQUIRED_SERIES, f"the dashboard shows nothing of {REQUIRED_SERIES - read}"


def test_every_panel_queries_the_chosen_prometheus() -> None:
    for path in DASHBOARDS:
        for panel in _panels(_load(path)["panels"]):
            if panel["type"] == "row":
                continue
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
            for target in panel["targets"]:
                assert target["datasource"] == panel["datasource"]


def test_the_provisioning_points_at_prometheus_and_the_dashboards() -> None:
    provisioning = GRAFANA_DIR / "provisioning"
    sources = yaml.safe_load((provisioning / "datasources" / "nigrani.yml").read_text())
    [source] = sources["datasources"]
    assert source["type"] == "prometheus"
    assert source["url"] == "${NIGRANI_PROMETHEUS_URL}"
    providers = yaml.safe_load((provisioning / "dashboards" / "nigrani.yml").read_text())
    [provider] = providers["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"] == "${NIGRANI_GRAFANA_DASHBOARDS}"


def test_the_metric_name_reader_finds_what_an_expression_selects() -> None:
    """The check above is only as good as this reader."""
    expr = (
        'histogram_quantile(0.9, sum by (le, department) (rate(a_bucket{clock="wall"}[1h])))'
        ' / on (department) group_left max(b offset 5m) * 1e3 unless c{x=~"$department"}'
    )
    assert metric_names(expr) == {"a_bucket", "b", "c"}
