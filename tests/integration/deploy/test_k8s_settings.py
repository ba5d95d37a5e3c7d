"""What the rendered pods would run with: each container's environment builds its service's
settings (production's refusals included), its file settings point at the mounted
ConfigMaps, which hold exactly the files the package ships, and no secret is written into
the manifests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from nigrani_shared.settings import NigraniSettings

from tests.support import k8s, k8s_settings

FILE_SETTINGS_OUTSIDE_CONFIG_MAPS = {"staff_jwt_public_key_file", "staff_jwks_file"}
CREDENTIALS_IN_URL = re.compile(r"://[^/\s:@]+:[^/\s@]+@")
GENERATED_SECRET = re.compile(r"nigrani-secrets(-[a-z0-9]{10})?")


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_every_container_builds_its_settings_on_its_port(overlay: str, tmp_path: Path) -> None:
    objects = k8s.render(overlay)

    for pod in k8s.pods(objects):
        settings = k8s_settings.build(objects, pod, tmp_path / pod.name)
        assert settings.environment == ("production" if overlay == "production" else "development")
        if pod.kind == "Deployment":
            assert settings.http_port == pod.port("http"), pod.name


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_an_api_whose_worker_runs_apart_does_not_embed_it(overlay: str, tmp_path: Path) -> None:
    objects = k8s.render(overlay)
    deployments = {pod.name: pod for pod in k8s.pods(objects, ("Deployment",))}

    for name, pod in deployments.items():
        settings = k8s_settings.build(objects, pod, tmp_path / name)
        has_worker = f"{name}-worker" in deployments
        assert settings.embedded_worker is not has_worker or name.endswith("-worker"), name


def test_production_keeps_three_copies_refuses_single_copy_writes_and_has_more_partitions(
    tmp_path: Path,
) -> None:
    production, dev = (
        k8s_settings.build(objects, k8s.pods(objects, ("Job",))[0], tmp_path / overlay)
        for overlay, objects in (("p", k8s.render("production")), ("d", k8s.render("dev")))
    )

    assert (production.kafka_replication_factor, production.kafka_min_insync_replicas) == (3, 2)
    assert production.kafka_topic_partitions > dev.kafka_topic_partitions


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_file_settings_read_mounted_copies_of_the_packaged_files(
    overlay: str, tmp_path: Path
) -> None:
    objects = k8s.render(overlay)
    packaged = k8s_settings.packaged_files()
    checked = set()

    for pod in k8s.pods(objects, ("Deployment",)):
        root = tmp_path / pod.name
        settings = k8s_settings.build(objects, pod, root)
        for field, info in type(settings).model_fields.items():
            if "Path" not in str(info.annotation) or field in FILE_SETTINGS_OUTSIDE_CONFIG_MAPS:
                continue
            assert (type(settings), field) in packaged, f"{field}: which packaged file?"
            path = getattr(settings, field)
            assert path is not None, f"{pod.name}: {field} is not set, the packaged file is read"
            assert root in path.parents, f"{pod.name}: {field}={path} is not in a ConfigMap"
            assert _files(path) == _files(packaged[type(settings), field]), (pod.name, field)
            checked.add((type(settings), field))

    assert checked == set(packaged)


def _files(path: Path) -> list[tuple[str, bytes]]:
    if path.is_dir():
        return list(k8s.files_under(path))
    return [(path.name, path.read_bytes())]


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_no_secret_is_written_into_the_manifests(overlay: str) -> None:
    objects = k8s.render(overlay)
    pods = k8s.pods(objects)
    secret_names = set().union(
        *(k8s_settings.secret_variables(k8s_settings.settings_type(pod)) for pod in pods)
    )

    for pod in pods:
        for entry in pod.container.get("env", []):
            if entry["name"] in secret_names:
                assert "secretKeyRef" in entry.get("valueFrom", {}), (pod.name, entry["name"])
    for config_map in k8s.of_kind(objects, "ConfigMap"):
        data = config_map.get("data", {})
        assert not secret_names & set(data), config_map["metadata"]["name"]
        for key, value in data.items():
            assert not CREDENTIALS_IN_URL.search(value), (config_map["metadata"]["name"], key)
    for secret in k8s.of_kind(objects, "Secret"):
        assert overlay == "dev", f"{overlay} renders Secret {secret['metadata']['name']}"
        for key, value in k8s.secret_data(objects, secret["metadata"]["name"]).items():
            assert "fake" in value, f"dev's example secret {key} does not say it is fake"


def test_the_example_secret_has_every_key_the_pods_read() -> None:
    secrets = k8s_settings.example_secrets()

    for overlay in k8s.OVERLAYS:
        for pod in k8s.pods(k8s.render(overlay)):
            for entry in pod.container.get("env", []):
                reference = entry.get("valueFrom", {}).get("secretKeyRef")
                if reference is not None:
                    assert GENERATED_SECRET.fullmatch(reference["name"]), pod.name
                    assert reference["key"] in secrets, (pod.name, reference["key"])


def test_the_topics_job_creates_topics_from_the_shared_settings(tmp_path: Path) -> None:
    for overlay in k8s.OVERLAYS:
        objects = k8s.render(overlay)
        (job,) = k8s.pods(objects, ("Job",))
        assert job.command == ["nigrani", "topics", "create"]
        assert isinstance(k8s_settings.build(objects, job, tmp_path / overlay), NigraniSettings)
