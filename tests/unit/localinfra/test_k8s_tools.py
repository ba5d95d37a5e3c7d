"""kustomize and KEDA's files come from the cache once it holds what the pinned modules
produce: no Go and no network then. A changed pin is built or fetched again, and a missing
Go says how to get one."""

from pathlib import Path

import pytest
from nigrani_localinfra import k8s_tools, paths
from nigrani_localinfra.errors import InfraError
from nigrani_localinfra.provision import _digest


def _fill_cache(cache: Path) -> tuple[Path, Path]:
    kustomize_version = k8s_tools._pinned(
        paths.KUSTOMIZE_DIR / "go.mod", k8s_tools.KUSTOMIZE_MODULE
    )
    keda_version = k8s_tools._pinned(paths.KEDA_DIR / "go.mod", k8s_tools.KEDA_MODULE)
    kustomize_dir = cache / f"kustomize-{kustomize_version}"
    keda_dir = cache / f"keda-{keda_version}"
    kustomize_dir.mkdir(parents=True)
    keda_dir.mkdir(parents=True)
    (kustomize_dir / "kustomize").write_text("#!/bin/sh\n")
    (kustomize_dir / "kustomize").chmod(0o755)
    (kustomize_dir / "kustomize.sha256").write_text(
        _digest(k8s_tools._module_files(paths.KUSTOMIZE_DIR)) + "\n"
    )
    for name in k8s_tools.KEDA_FILES:
        (keda_dir / name).write_text("")
    (keda_dir / "complete.sha256").write_text(_digest(k8s_tools._module_files(paths.KEDA_DIR)))
    return kustomize_dir, keda_dir


def test_a_complete_cache_needs_no_go(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    kustomize_dir, keda_dir = _fill_cache(tmp_path / "cache")
    monkeypatch.setenv("PATH", str(tmp_path))  # no go here

    tools = k8s_tools.provision_k8s_tools(log=lambda _: None, cache=tmp_path / "cache")

    assert tools.kustomize == kustomize_dir / "kustomize"
    assert tools.keda_scaledobject_crd == keda_dir / "scaledobjects.yaml"
    assert tools.keda_kafka_scaler == keda_dir / "kafka_scaler.go"


def test_a_stale_build_is_rebuilt_and_without_go_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    kustomize_dir, _ = _fill_cache(tmp_path / "cache")
    (kustomize_dir / "kustomize.sha256").write_text("built from another go.mod\n")
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(InfraError, match="apt-get install golang-go"):
        k8s_tools.provision_k8s_tools(log=lambda _: None, cache=tmp_path / "cache")
