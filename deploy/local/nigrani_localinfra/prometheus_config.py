"""The scrape configuration ``make up`` gives Prometheus, rendered from the repository's.

``deploy/prometheus/prometheus.yml`` is the one source: its global settings, its jobs and
its rule files. A local run changes only what differs on this machine: each job scrapes the
ports its service was really started on, jobs of services that were not started are left
out (a target that was never meant to run must not look like an outage), and the rule glob
becomes absolute, because the rendered copy lives in the state directory and Prometheus
resolves rule files relative to its config file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from . import paths
from .errors import InfraError

#: The job of Prometheus scraping itself (its own health and rule-evaluation timings).
SELF_JOB = "prometheus"


def _load_template(template: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(template.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise InfraError(f"cannot read the Prometheus config {template}: {exc}") from exc
    if not isinstance(loaded, dict) or not isinstance(loaded.get("scrape_configs"), list):
        raise InfraError(f"{template} has no scrape_configs list")
    return loaded


def render_config(
    targets: Mapping[str, Sequence[str]], *, template: Path = paths.PROMETHEUS_CONFIG_TEMPLATE
) -> str:
    """Return the YAML of a config scraping ``targets`` (job name -> ``host:port`` list).

    Every job named must exist in the template, so a typo cannot silently scrape nothing.
    """
    config = _load_template(template)
    jobs = {str(job["job_name"]): job for job in config["scrape_configs"]}
    unknown = sorted(set(targets) - set(jobs))
    if unknown:
        raise InfraError(f"no job named {', '.join(unknown)} in {template}")
    config["scrape_configs"] = [
        {**job, "static_configs": [{"targets": list(targets[name])}]}
        for name, job in jobs.items()
        if name in targets
    ]
    base = template.parent
    config["rule_files"] = [str((base / pattern).resolve()) for pattern in config["rule_files"]]
    return yaml.safe_dump(config, sort_keys=False)
