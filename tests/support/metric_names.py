"""Which metric names exist, and which ones a PromQL expression reads.

Alert rules and dashboards are checked against the names the services really export:
every `prometheus_client` metric defined in shared/ and services/, expanded into the series
names it exposes, plus the SLA service's names agreed in issue 7 (written in parallel with
these rules; once its code defines them, the contract list below adds nothing) and `up`,
which Prometheus itself records for every scrape.
"""

from __future__ import annotations

import re
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
SOURCES = (REPOSITORY / "shared", REPOSITORY / "services")

SLA_CONTRACT = {
    "nigrani_sla_breaches_total": "Counter",
    "nigrani_sla_warnings_total": "Counter",
    "nigrani_sla_escalations_total": "Counter",
    "nigrani_sla_open_requests": "Gauge",
    "nigrani_sla_overdue_requests": "Gauge",
    "nigrani_sla_oldest_overdue_age_seconds": "Gauge",
    "nigrani_sla_department_last_activity_timestamp_seconds": "Gauge",
    "nigrani_sla_firing_lateness_seconds": "Histogram",
    "nigrani_sla_time_to_route_seconds": "Histogram",
    "nigrani_sla_time_to_first_response_seconds": "Histogram",
    "nigrani_sla_time_to_resolve_seconds": "Histogram",
}
SCRAPE_SERIES = {"up"}

_DEFINITION = re.compile(
    r"\b(Counter|Gauge|Histogram|Summary|Info|Enum)\(\s*[\"']([a-zA-Z_:][a-zA-Z0-9_:]*)[\"']"
)


def _series(kind: str, name: str) -> set[str]:
    """The series names a prometheus_client metric exposes (created series are disabled)."""
    if kind == "Counter":
        return {name.removesuffix("_total") + "_total"}
    if kind == "Histogram":
        return {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
    if kind == "Summary":
        return {f"{name}_sum", f"{name}_count", name}
    if kind == "Info":
        return {f"{name}_info"}
    return {name}


def defined_in_code() -> dict[str, str]:
    """Metric name -> kind, for every prometheus_client metric in shared/ and services/."""
    found: dict[str, str] = {}
    for root in SOURCES:
        for path in root.rglob("*.py"):
            for kind, name in _DEFINITION.findall(path.read_text()):
                found[name] = kind
    return found


def known_series() -> set[str]:
    names = {**SLA_CONTRACT, **defined_in_code()}
    series = set(SCRAPE_SERIES)
    for name, kind in names.items():
        series |= _series(kind, name)
    return series


_NOT_METRICS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool",
    "and", "or", "unless", "atan2", "inf", "nan",
}  # fmt: skip
_STRING = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|`[^`]*`")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_OFFSET = re.compile(r"\boffset\s+-?[0-9a-z]+")
_WORD = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def metric_names(expr: str) -> set[str]:
    """The metric names an expression selects (a tokenizer, not a parser: promtool parses)."""
    text = _STRING.sub('""', expr)
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)  # ranges and subqueries
    text = _GROUPING.sub("", text)
    text = _OFFSET.sub("", text)
    names = set()
    for match in _WORD.finditer(text):
        before = text[match.start() - 1] if match.start() else " "
        if before.isdigit() or before in ".$":  # 1e3, 0.5e1, $variable
            continue
        if text[match.end() :].lstrip().startswith("(") or match.group() in _NOT_METRICS:
            continue
        names.add(match.group())
    return names
