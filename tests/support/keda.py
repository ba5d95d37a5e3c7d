"""KEDA's ScaledObject checked offline against KEDA's own definitions, taken from the KEDA
module at the version deploy/local/keda/go.mod pins: the CRD's OpenAPI schema (what the
API server enforces for the custom resource), made strict the way kubectl's strict field
validation is (an unknown field is an error, not silently pruned), and the Kafka scaler's
metadata keys read from its source (the struct tags KEDA parses the trigger with).

What this cannot check offline: the CRD's CEL rules (x-kubernetes-validations; the one
about replica counts is asserted by the tests directly) and KEDA's runtime behaviour.
"""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass
from typing import Any

import jsonschema
import yaml

from tests.support.k8s import tools

API_VERSION = "keda.sh/v1alpha1"
_TAG = re.compile(r'`keda:"name=([^,"]+),order=([^,"]+)((?:,[^"]*)?)"`')


@functools.cache
def _schema() -> dict[str, Any]:
    crd = yaml.safe_load(tools().keda_scaledobject_crd.read_text())
    group_version = API_VERSION.split("/")[1]
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == group_version]
    schema: dict[str, Any] = strict(version["schema"]["openAPIV3Schema"])
    return schema


def strict(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with unknown fields refused wherever it lists the known ones."""
    schema = copy.deepcopy(schema)

    def visit(node: object) -> None:
        if isinstance(node, dict):
            if (
                "properties" in node
                and "additionalProperties" not in node
                and not node.get("x-kubernetes-preserve-unknown-fields")
            ):
                node["additionalProperties"] = False
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(schema)
    return schema


def scaled_object_errors(obj: dict[str, Any]) -> list[str]:
    """Every way `obj` breaks the ScaledObject schema (an empty list when valid)."""
    validator = jsonschema.Draft7Validator(_schema())
    return sorted(
        f"{'.'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in validator.iter_errors(obj)
    )


@dataclass(frozen=True)
class TriggerKeys:
    allowed: frozenset[str]
    required: tuple[frozenset[str], ...]  # one key of each set must be present


@functools.cache
def kafka_trigger_keys() -> TriggerKeys:
    """The metadata keys KEDA's Kafka scaler reads from a trigger: a name read from the
    trigger's metadata, `<name>FromEnv` for one resolved from the target's environment."""
    allowed: set[str] = set()
    required: list[frozenset[str]] = []
    source = tools().keda_kafka_scaler.read_text()
    for names, order, options in _TAG.findall(source):
        orders = order.split(";")
        keys: set[str] = set()
        for name in names.split(";"):
            if "triggerMetadata" in orders:
                keys.add(name)
            if "resolvedEnv" in orders:
                keys.add(f"{name}FromEnv")
        allowed |= keys
        if keys and "optional" not in options and "default=" not in options:
            required.append(frozenset(keys))
    assert allowed, "no trigger keys found in KEDA's Kafka scaler: has its source moved?"
    return TriggerKeys(frozenset(allowed), tuple(required))
