"""The real Prometheus that `make up` runs: rules loaded, targets scraped, alerts evaluated.

It is started through `system.start_monitoring`, the function `up` calls, in a temporary
run directory on a free port, against a tiny local HTTP target that exposes SLA metrics
(standing in for the sla service) and a port where nothing listens (a routing that is
down). `system.down` then stops it.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from nigrani_localinfra import paths, system
from nigrani_localinfra.ports import free_ports, port_is_free
from nigrani_localinfra.prometheus import PrometheusNode
from prometheus_client import CollectorRegistry, Gauge, start_http_server

from tests.support.waiting import eventually

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def sla_target() -> Iterator[int]:
    """A /metrics endpoint on a free port exposing one department's backlog."""
    registry = CollectorRegistry()
    overdue = Gauge("nigrani_sla_overdue_requests", "test", ["department"], registry=registry)
    overdue.labels("WASA-LHR").set(7)
    port = free_ports(1)[0]
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    try:
        yield port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _api(node: PrometheusNode, path: str, **query: str) -> Any:
    url = f"{node.url}/api/v1/{path}?{urllib.parse.urlencode(query)}"
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback URL
        body = json.loads(response.read())
    assert body["status"] == "success", body
    return body["data"]


def _value(node: PrometheusNode, query: str) -> float | None:
    result = _api(node, "query", query=query)["result"]
    return float(result[0]["value"][1]) if result else None


def _alert_names_in_repository() -> set[str]:
    names = set()
    for path in paths.PROMETHEUS_RULES_DIR.glob("*.yml"):
        for group in yaml.safe_load(path.read_text())["groups"]:
            names |= {rule["alert"] for rule in group["rules"] if "alert" in rule}
    return names


async def test_make_ups_prometheus_loads_the_rules_scrapes_and_evaluates(
    tmp_path: Path, sla_target: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead_port = free_ports(1)[0]
    monkeypatch.setenv("SLA_PORT", str(sla_target))
    monkeypatch.setenv("ROUTING_PORT", str(dead_port))
    monkeypatch.setenv("PROMETHEUS_PORT", str(free_ports(1)[0]))
    sla, routing = (
        next(service for service in system.SERVICES if service.name == name)
        for name in ("sla", "routing")
    )
    run_dir = tmp_path / "run"

    node = await system.start_monitoring(run_dir, [sla, routing])
    try:
        assert node.data_dir.is_relative_to(run_dir / "infra")
        groups = _api(node, "rules")["groups"]
        loaded = {rule["name"] for group in groups for rule in group["rules"]}
        assert loaded == _alert_names_in_repository()

        async def scraped() -> bool:
            return (
                _value(node, 'up{job="sla"}') == 1
                and _value(node, 'up{job="routing"}') == 0
                and _value(node, 'nigrani_sla_overdue_requests{department="WASA-LHR"}') == 7
            )

        await eventually(scraped, within=60, interval=1, what="both targets scraped")

        async def routing_alert_pending() -> bool:
            alerts = _api(node, "alerts")["alerts"]
            return any(
                alert["labels"]["alertname"] == "NigraniServiceDown"
                and alert["labels"]["job"] == "routing"
                for alert in alerts
            )

        await eventually(routing_alert_pending, within=60, interval=1, what="the down alert")

        # `up` again with only sla: the same process, reloaded, no longer scrapes routing.
        pid = node.pid
        again = await system.start_monitoring(run_dir, [sla])
        assert again.pid == pid
        assert again.url == node.url

        async def only_sla_and_itself() -> bool:
            active = _api(node, "targets")["activeTargets"]
            return {target["labels"]["job"] for target in active} == {"sla", "prometheus"}

        await eventually(only_sla_and_itself, within=30, interval=0.5, what="routing dropped")
    finally:
        await system.down(run_dir)

    assert not node.is_running()
    assert node.port is not None
    assert port_is_free(node.port)
