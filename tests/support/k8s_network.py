"""What the rendered NetworkPolicies allow, described in words a test can compare with a
table: for a pod's labels, each peer it may accept connections from (or open them to) and
on which ports. Peers are read as the API server reads them; a rule without peers allows
anyone, and a pod that no policy of a direction selects is open in that direction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.support import k8s

NAMESPACE_NAME = "kubernetes.io/metadata.name"
APP_NAME = "app.kubernetes.io/name"
DIRECTIONS = {"Ingress": "from", "Egress": "to"}


def allowed(objects: list[k8s.Object], labels: Mapping[str, str], direction: str) -> set[str]:
    """`peer: ports` for every peer the policies selecting this pod allow in `direction`;
    {"OPEN"} when no policy restricts that direction for it at all."""
    key = direction.lower()
    selecting = [
        policy
        for policy in k8s.of_kind(objects, "NetworkPolicy")
        if direction in policy["spec"].get("policyTypes", ["Ingress"])
        and k8s.matches(policy["spec"]["podSelector"], labels)
    ]
    if not selecting:
        return {"OPEN"}
    found = set()
    for policy in selecting:
        for rule in policy["spec"].get(key, []):
            ports = ",".join(
                f"{p.get('protocol', 'TCP')}/{p.get('port', '*')}" for p in rule.get("ports", [])
            )
            for peer in rule.get(DIRECTIONS[direction], []) or [{}]:
                found.add(f"{_peer(peer)}: {ports or 'any port'}")
    return found


def ports_open(objects: list[k8s.Object], labels: Mapping[str, str], direction: str) -> set[int]:
    """The numbered ports this pod may use in `direction` to or from some peer (a named
    port names the other pod's port and is left out); every port when nothing restricts it
    or a rule names no port."""
    every = set(range(1, 65536))
    key = direction.lower()
    selecting = [
        policy
        for policy in k8s.of_kind(objects, "NetworkPolicy")
        if direction in policy["spec"].get("policyTypes", ["Ingress"])
        and k8s.matches(policy["spec"]["podSelector"], labels)
    ]
    if not selecting:
        return every
    found: set[int] = set()
    for policy in selecting:
        for rule in policy["spec"].get(key, []):
            if not rule.get("ports"):
                return every
            found |= {p["port"] for p in rule["ports"] if isinstance(p.get("port"), int)}
    return found


def _peer(peer: Mapping[str, Any]) -> str:
    if not peer:
        return "anyone"
    if "ipBlock" in peer:
        block = peer["ipBlock"]
        return f"cidr {block['cidr']}" + (f" except {block['except']}" if "except" in block else "")
    words = []
    if "namespaceSelector" in peer:
        words.append(f"namespace {_selector(peer['namespaceSelector'], NAMESPACE_NAME)}")
    if "podSelector" in peer:
        words.append(f"pod {_selector(peer['podSelector'], APP_NAME)}")
    return " ".join(words)


def _selector(selector: Mapping[str, Any], name_label: str) -> str:
    if not selector:
        return "any"
    labels = dict(selector.get("matchLabels", {}))
    if len(labels) == 1 and not selector.get("matchExpressions"):
        ((key, value),) = labels.items()
        return str(value) if key == name_label else f"{key}={value}"
    return str(dict(selector))
