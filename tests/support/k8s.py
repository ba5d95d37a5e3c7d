"""deploy/k8s as the tests see it: each overlay rendered by the real kustomize, and the
pods it describes read the way the kubelet would run them (a container's environment from
its env and envFrom, its ConfigMap volumes laid out as files).

kustomize and KEDA's CRD come from the cache that `make test` provisions
(`python -m nigrani_localinfra provision --only k8s`); if it is not provisioned yet, the
first test provisions it (a Go build of about a minute, once).
"""

from __future__ import annotations

import base64
import copy
import functools
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from nigrani_localinfra import paths
from nigrani_localinfra.k8s_tools import K8sTools, provision_k8s_tools

OVERLAYS = ("dev", "production")
Object = dict[str, Any]


@functools.cache
def tools() -> K8sTools:
    return provision_k8s_tools(log=lambda line: print(line, file=sys.stderr))


@functools.cache
def _rendered(overlay: str) -> tuple[Object, ...]:
    result = subprocess.run(  # noqa: S603 - our cached kustomize on our own overlay
        [str(tools().kustomize), "build", str(paths.K8S_DIR / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"kustomize build {overlay} failed:\n{result.stderr}"
    return tuple(doc for doc in yaml.load_all(result.stdout, Loader=yaml.CSafeLoader) if doc)


def render(overlay: str) -> list[Object]:
    """Every object `kustomize build deploy/k8s/overlays/<overlay>` prints (a fresh copy)."""
    return copy.deepcopy(list(_rendered(overlay)))


def of_kind(objects: list[Object], kind: str) -> list[Object]:
    return [o for o in objects if o["kind"] == kind]


def named(objects: list[Object], kind: str, name: str) -> Object:
    found = [o for o in of_kind(objects, kind) if o["metadata"]["name"] == name]
    assert len(found) == 1, f"{len(found)} {kind} named {name}"
    return found[0]


def config_map(objects: list[Object], name: str) -> Mapping[str, str]:
    """The data of the ConfigMap a pod names (kustomize gave it a hash suffix there)."""
    found = named(objects, "ConfigMap", name)
    data: dict[str, str] = found.get("data", {})
    return data


def secret_data(objects: list[Object], name: str) -> dict[str, str]:
    """The data of Secret `name`, whether or not a generator added a hash suffix."""
    found = [
        o
        for o in of_kind(objects, "Secret")
        if re.fullmatch(rf"{re.escape(name)}(-[a-z0-9]{{10}})?", o["metadata"]["name"])
    ]
    assert len(found) == 1, f"{len(found)} Secrets named {name}"
    data, string_data = found[0].get("data", {}), found[0].get("stringData", {})
    return {**{k: base64.b64decode(v).decode() for k, v in data.items()}, **string_data}


@dataclass(frozen=True)
class Pod:
    """One pod template: the workload that owns it and its only container."""

    kind: str
    name: str
    labels: Mapping[str, str]
    spec: Object

    @property
    def container(self) -> Object:
        containers: list[Object] = self.spec["containers"]
        assert len(containers) == 1, f"{self.name}: one container expected"
        return containers[0]

    @property
    def command(self) -> list[str]:
        command: list[str] = [*self.container.get("command", []), *self.container.get("args", [])]
        return command

    @property
    def module(self) -> str | None:
        """X in `python -m X` (None for another command)."""
        command = self.command
        return command[2] if command[:2] == ["python", "-m"] else None

    def port(self, name: str = "http") -> int:
        ports = [p["containerPort"] for p in self.container.get("ports", []) if p["name"] == name]
        assert len(ports) == 1, f"{self.name}: one port named {name} expected"
        return int(ports[0])


def pods(objects: list[Object], kinds: tuple[str, ...] = ("Deployment", "Job")) -> list[Pod]:
    found = []
    for obj in objects:
        if obj["kind"] in kinds:
            template = obj["spec"]["template"]
            found.append(Pod(obj["kind"], obj["metadata"]["name"], template["metadata"]["labels"],
                             template["spec"]))  # fmt: skip
    return found


def environment(objects: list[Object], pod: Pod, secrets: Mapping[str, str]) -> dict[str, str]:
    """The container's environment as the kubelet builds it: envFrom first, then env.
    Secret keys are looked up in `secrets` (the cluster's Secret is not in the manifests);
    an optional key missing there is left unset, a required one fails."""
    env: dict[str, str] = {}
    for source in pod.container.get("envFrom", []):
        assert set(source) == {"configMapRef"}, f"{pod.name}: envFrom {source}"
        env.update(config_map(objects, source["configMapRef"]["name"]))
    for entry in pod.container.get("env", []):
        if "value" in entry:
            env[entry["name"]] = entry["value"]
            continue
        reference = entry["valueFrom"]
        if "secretKeyRef" in reference:
            key = reference["secretKeyRef"]["key"]
            if key in secrets:
                env[entry["name"]] = secrets[key]
            else:
                assert reference["secretKeyRef"].get("optional"), f"{pod.name}: no secret {key}"
        else:
            ref = reference["configMapKeyRef"]
            env[entry["name"]] = config_map(objects, ref["name"])[ref["key"]]
    return env


def lay_out_volumes(objects: list[Object], pod: Pod, root: Path) -> dict[str, Path]:
    """Writes the container's ConfigMap volumes under `root` as the kubelet mounts them
    (every key, or each listed item at its path); returns mount path -> folder."""
    volumes = {v["name"]: v for v in pod.spec.get("volumes", [])}
    mounts: dict[str, Path] = {}
    for mount in pod.container.get("volumeMounts", []):
        volume = volumes[mount["name"]]
        if "configMap" not in volume:
            continue
        data = config_map(objects, volume["configMap"]["name"])
        items = volume["configMap"].get("items") or [{"key": k, "path": k} for k in data]
        target = root / mount["mountPath"].lstrip("/")
        for item in items:
            assert item["key"] in data, f"{pod.name}: no key {item['key']} in {volume['name']}"
            (target / item["path"]).parent.mkdir(parents=True, exist_ok=True)
            (target / item["path"]).write_text(data[item["key"]])
        mounts[mount["mountPath"]] = target
    return mounts


def files_under(directory: Path) -> Iterator[tuple[str, bytes]]:
    """(relative path, content) of every file below `directory`, in order."""
    for path in sorted(directory.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            yield path.relative_to(directory).as_posix(), path.read_bytes()


def matches(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """A Kubernetes label selector (matchLabels and matchExpressions) against labels."""
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values")
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True
