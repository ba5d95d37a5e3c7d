"""Autoscaling as rendered: each worker scales on its own consumer group's lag on the
lifecycle topic (KEDA), never beyond the topic's partitions; each API scales on CPU, and
an API that consumes in its own process stays within the partitions too."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from tests.support import k8s, k8s_settings, keda

COMPONENT = "app.kubernetes.io/component"
HPA = "HorizontalPodAutoscaler"


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_each_worker_scales_on_its_group_lag_up_to_the_partitions(
    overlay: str, tmp_path: Path
) -> None:
    objects = k8s.render(overlay)
    workers = [p for p in k8s.pods(objects, ("Deployment",)) if p.labels.get(COMPONENT) == "worker"]
    scaled = {o["spec"]["scaleTargetRef"]["name"]: o for o in k8s.of_kind(objects, "ScaledObject")}

    assert workers
    assert set(scaled) == {pod.name for pod in workers}
    for pod in workers:
        spec = scaled[pod.name]["spec"]
        settings = k8s_settings.build(objects, pod, tmp_path / pod.name)
        assert spec["scaleTargetRef"].get("kind", "Deployment") == "Deployment"
        assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"], pod.name
        assert spec["maxReplicaCount"] <= settings.kafka_topic_partitions, (
            f"{pod.name}: {spec['maxReplicaCount']} replicas for "
            f"{settings.kafka_topic_partitions} partitions"
        )
        (trigger,) = spec["triggers"]
        assert trigger["type"] == "kafka"
        metadata = trigger["metadata"]
        assert metadata["consumerGroup"] == importlib.import_module(str(pod.module)).GROUP_ID
        assert metadata["topic"] == settings.lifecycle_topic
        environment = k8s.environment(objects, pod, k8s_settings.example_secrets())
        assert environment[metadata["bootstrapServersFromEnv"]] == (
            settings.kafka_bootstrap_servers
        )


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_kafka_triggers_use_only_keys_kedas_kafka_scaler_reads(overlay: str) -> None:
    keys = keda.kafka_trigger_keys()

    for scaled in k8s.of_kind(k8s.render(overlay), "ScaledObject"):
        for trigger in scaled["spec"]["triggers"]:
            given = set(trigger["metadata"])
            assert given <= keys.allowed, given - keys.allowed
            for one_of in keys.required:
                assert given & one_of, f"{scaled['metadata']['name']}: none of {one_of}"
            assert all(isinstance(value, str) for value in trigger["metadata"].values())


#: Kafka 4 refuses request versions older than Kafka 2.1's (KIP-896).
OLDEST_PROTOCOL_KAFKA_4_ACCEPTS = (2, 1)


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_kafka_triggers_speak_a_protocol_kafka_4_accepts(overlay: str) -> None:
    """KEDA's scaler speaks Kafka 1.0 unless told otherwise, and the broker (4.1, as
    `make up` runs) would refuse its requests: the lag would never be read."""
    for scaled in k8s.of_kind(k8s.render(overlay), "ScaledObject"):
        for trigger in scaled["spec"]["triggers"]:
            version = trigger["metadata"].get("version")
            assert version is not None, scaled["metadata"]["name"]
            major, minor = (int(part) for part in version.split(".")[:2])
            assert (major, minor) >= OLDEST_PROTOCOL_KAFKA_4_ACCEPTS, version


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_each_api_scales_on_cpu_and_consumers_within_the_partitions(
    overlay: str, tmp_path: Path
) -> None:
    objects = k8s.render(overlay)
    apis = [p for p in k8s.pods(objects, ("Deployment",)) if p.labels.get(COMPONENT) == "api"]
    autoscalers = {o["spec"]["scaleTargetRef"]["name"]: o for o in k8s.of_kind(objects, HPA)}

    assert {pod.name for pod in apis} == set(autoscalers)
    for pod in apis:
        autoscaler = autoscalers[pod.name]
        assert autoscaler["apiVersion"] == "autoscaling/v2"
        (metric,) = autoscaler["spec"]["metrics"]
        assert metric["type"] == "Resource"
        assert metric["resource"]["name"] == "cpu"
        settings = k8s_settings.build(objects, pod, tmp_path / pod.name)
        if settings.embedded_worker:
            assert autoscaler["spec"]["maxReplicas"] <= settings.kafka_topic_partitions, pod.name
