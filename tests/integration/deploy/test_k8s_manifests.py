"""deploy/k8s rendered by the real kustomize, each overlay, and every object validated
strictly against the Kubernetes API schemas (kubernetes-validate) or, for KEDA's
ScaledObject, against KEDA's own CRD schema; then what the pods promise: commands that
exist, probes, resources, a restricted security context, and a PodDisruptionBudget each.

Offline only: no cluster admits these objects here, no image is pulled, no pod starts.
"""

from __future__ import annotations

import copy

import kubernetes_validate
import pytest
from nigrani_shared.settings import NigraniSettings
from nigrani_shared.web.serve import GRACEFUL_SHUTDOWN_SECONDS

from tests.support import k8s, keda
from tests.support.entry_points import unrunnable_commands

#: The Kubernetes release whose API schemas the objects must satisfy.
KUBERNETES_VERSION = "1.33.0"
WORKLOADS = {"intake", "intake-worker", "routing", "routing-worker", "sla", "notify"}


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_every_object_is_valid_in_strict_mode(overlay: str) -> None:
    problems = []
    for obj in k8s.render(overlay):
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        if obj["apiVersion"] == keda.API_VERSION:
            assert obj["kind"] == "ScaledObject", where
            problems += [f"{where}: {error}" for error in keda.scaled_object_errors(obj)]
            continue
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            problems.append(f"{where}: {error.message} at {list(error.path)}")

    assert problems == []


def test_the_strict_checks_refuse_unknown_and_mistyped_fields() -> None:
    objects = k8s.render("production")
    deployment = copy.deepcopy(k8s.named(objects, "Deployment", "intake"))
    deployment["spec"]["template"]["spec"]["containers"][0]["livenessProbes"] = {}
    scaled = copy.deepcopy(k8s.named(objects, "ScaledObject", "intake-worker"))
    scaled["spec"]["maxReplicas"] = 3
    scaled["spec"]["minReplicaCount"] = "one"

    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)
    errors = keda.scaled_object_errors(scaled)
    assert any("maxReplicas" in e for e in errors), errors
    assert any(e.startswith("spec.minReplicaCount") for e in errors), errors


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_every_container_command_exists(overlay: str) -> None:
    commands = [pod.command for pod in k8s.pods(k8s.render(overlay))]

    assert ["nigrani", "topics", "create"] in commands
    assert unrunnable_commands(commands) == []


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_every_api_and_worker_runs_as_a_deployment(overlay: str) -> None:
    deployments = k8s.pods(k8s.render(overlay), ("Deployment",))

    assert {pod.name for pod in deployments} == WORKLOADS
    for pod in deployments:
        module = pod.module
        assert module is not None, pod.name
        assert pod.name == module.removeprefix("nigrani_").replace(".", "-"), pod.name


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_every_deployment_is_probed_on_its_own_port(overlay: str) -> None:
    for pod in k8s.pods(k8s.render(overlay), ("Deployment",)):
        container = pod.container
        for probe, path in (
            ("startupProbe", "/healthz"),
            ("livenessProbe", "/healthz"),
            ("readinessProbe", "/readyz"),
        ):
            assert probe in container, f"{pod.name} has no {probe}"
            assert container[probe]["httpGet"] == {"path": path, "port": "http"}, pod.name
        assert pod.port("http") > 0


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_every_pod_requests_and_limits_cpu_and_memory(overlay: str) -> None:
    for pod in k8s.pods(k8s.render(overlay)):
        resources = pod.container.get("resources", {})
        for bound in ("requests", "limits"):
            assert set(resources.get(bound, {})) == {"cpu", "memory"}, f"{pod.name} {bound}"


def test_production_requests_the_memory_it_limits_and_more_than_dev() -> None:
    production = k8s.pods(k8s.render("production"), ("Deployment",))
    dev = {pod.name: pod for pod in k8s.pods(k8s.render("dev"), ("Deployment",))}

    for pod in production:
        resources = pod.container["resources"]
        assert resources["requests"]["memory"] == resources["limits"]["memory"], pod.name
        assert resources != dev[pod.name].container["resources"], pod.name


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_every_pod_runs_as_the_image_user_with_nothing_to_escalate(overlay: str) -> None:
    for pod in k8s.pods(k8s.render(overlay)):
        security = {**pod.spec.get("securityContext", {}), **pod.container["securityContext"]}
        assert security["runAsNonRoot"] is True, pod.name
        assert security["runAsUser"] == 10001, pod.name
        assert security["readOnlyRootFilesystem"] is True, pod.name
        assert security["allowPrivilegeEscalation"] is False, pod.name
        assert security["capabilities"]["drop"] == ["ALL"], pod.name
        assert "add" not in security["capabilities"], pod.name
        assert security["seccompProfile"] == {"type": "RuntimeDefault"}, pod.name
        assert pod.spec["automountServiceAccountToken"] is False, pod.name


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_every_workload_has_a_disruption_budget(overlay: str) -> None:
    objects = k8s.render(overlay)
    budgets = k8s.of_kind(objects, "PodDisruptionBudget")

    for pod in k8s.pods(objects, ("Deployment",)):
        covering = [b for b in budgets if k8s.matches(b["spec"]["selector"], pod.labels)]
        assert len(covering) == 1, f"{pod.name}: {len(covering)} budgets"
        assert covering[0]["spec"]["maxUnavailable"] == 1, pod.name
        assert "minAvailable" not in covering[0]["spec"], pod.name


def test_dev_runs_one_replica_and_production_several() -> None:
    for overlay, check in (("dev", lambda n: n == 1), ("production", lambda n: n >= 2)):
        for deployment in k8s.of_kind(k8s.render(overlay), "Deployment"):
            assert check(deployment["spec"]["replicas"]), (overlay, deployment["metadata"])


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_a_stop_leaves_time_to_drain_finish_and_commit(overlay: str) -> None:
    """The kubelet kills a pod its grace period after the preStop hook began. An API first
    sleeps so the endpoints drop it before it stops accepting (no refused requests in a
    rollout); then uvicorn waits for open requests, and the consumer finishes its batch,
    commits and leaves its group, within the bounds the settings give them."""
    defaults = NigraniSettings()
    stop = (
        GRACEFUL_SHUTDOWN_SECONDS
        + defaults.consumer_stop_grace_seconds
        + defaults.consumer_close_timeout_seconds
    )
    services = {s["spec"]["selector"]["app.kubernetes.io/name"]
                for s in k8s.of_kind(k8s.render(overlay), "Service")}  # fmt: skip
    for pod in k8s.pods(k8s.render(overlay), ("Deployment",)):
        pre_stop = pod.container.get("lifecycle", {}).get("preStop", {})
        drain = pre_stop.get("sleep", {}).get("seconds", 0)
        if pod.labels["app.kubernetes.io/name"] in services:
            assert drain >= 5, f"{pod.name}: no preStop pause before it stops accepting"
        assert pod.spec["terminationGracePeriodSeconds"] >= drain + stop, pod.name
