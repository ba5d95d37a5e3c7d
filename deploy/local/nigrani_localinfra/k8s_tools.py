"""kustomize and KEDA's schema, fetched once into the cache so deploy/k8s renders offline.

The tests render every overlay with a real kustomize and validate what it prints. kustomize
is a Go module, so it is built from the module proxy with the machine's Go (about a minute
on two cores), exactly as our FerretDB program is; KEDA's ScaledObject is a custom resource
that Kubernetes' own schemas do not cover, so its CRD (the OpenAPI schema the API server
would enforce) and its Kafka scaler's source (which names the trigger's metadata keys) are
taken from the KEDA module at the version ``deploy/local/keda/go.mod`` pins, checked against
its ``go.sum``. Each result sits in a version-keyed folder with a stamp of the inputs, so a
later run needs no network and no Go.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from . import paths
from .errors import InfraError
from .prerequisites import require_go
from .processes import tail
from .provision import (
    Log,
    _build_go_program,
    _cache_lock,
    _digest,
    _go_directive,
    _stamp_matches,
)

KUSTOMIZE_MODULE = "sigs.k8s.io/kustomize/kustomize/v5"
KEDA_MODULE = "github.com/kedacore/keda/v2"
#: Where the two files live inside the KEDA module.
KEDA_FILES = {
    "scaledobjects.yaml": "config/crd/bases/keda.sh_scaledobjects.yaml",
    "kafka_scaler.go": "pkg/scalers/kafka_scaler.go",
}
DOWNLOAD_TIMEOUT_S = 10 * 60


@dataclass(frozen=True)
class K8sTools:
    """What the manifest tests need, all on local disk."""

    kustomize: Path
    kustomize_version: str
    keda_version: str
    keda_scaledobject_crd: Path
    keda_kafka_scaler: Path


def _pinned(go_mod: Path, module: str) -> str:
    match = re.search(rf"(?m)^\s*(?:require\s+)?{re.escape(module)}\s+(v\S+)", go_mod.read_text())
    if match is None:
        raise InfraError(f"{go_mod} pins no version of {module}")
    return match.group(1)


def _module_files(directory: Path) -> tuple[Path, ...]:
    return (directory / "go.mod", directory / "go.sum")


def provision_kustomize(cache: Path, *, log: Log = print) -> tuple[Path, str]:
    """Build kustomize into ``<cache>/kustomize-<version>/`` unless already there."""
    version = _pinned(paths.KUSTOMIZE_DIR / "go.mod", KUSTOMIZE_MODULE)
    binary = _build_go_program(
        f"kustomize {version}",
        source_dir=paths.KUSTOMIZE_DIR,
        sources=_module_files(paths.KUSTOMIZE_DIR),
        binary=cache / f"kustomize-{version}" / "kustomize",
        log=log,
        package=KUSTOMIZE_MODULE,
    )
    return binary, version


def provision_keda(cache: Path, *, log: Log = print) -> tuple[Path, str]:
    """Copy KEDA's ScaledObject CRD and Kafka scaler into ``<cache>/keda-<version>/``."""
    version = _pinned(paths.KEDA_DIR / "go.mod", KEDA_MODULE)
    target = cache / f"keda-{version}"
    stamp = target / "complete.sha256"
    digest = _digest(_module_files(paths.KEDA_DIR))
    if _stamp_matches(stamp, digest) and all((target / name).is_file() for name in KEDA_FILES):
        return target, version

    go = require_go(_go_directive(paths.KEDA_DIR / "go.mod"))
    log(f"[infra] fetching KEDA {version}'s CRD from its Go module (first run only)…")
    started = time.monotonic()
    target.mkdir(parents=True, exist_ok=True)
    module_dir = _download_module(go, version, log_path=target / "go-download.log")
    for name, inside in KEDA_FILES.items():
        partial = target / f"{name}.partial"
        shutil.copyfile(module_dir / inside, partial)
        partial.rename(target / name)
    stamp.write_text(digest + "\n")
    log(f"[infra] KEDA {version}: CRD and Kafka scaler in {target} "
        f"({time.monotonic() - started:.0f}s)")  # fmt: skip
    return target, version


def _download_module(go: str, version: str, *, log_path: Path) -> Path:
    """The KEDA module's folder in Go's module cache, checked against our go.sum."""
    try:
        result = subprocess.run(  # noqa: S603 - argv is built here
            [go, "mod", "download", "-json", KEDA_MODULE],
            cwd=paths.KEDA_DIR,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=DOWNLOAD_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise InfraError(f"downloading KEDA {version} timed out") from exc
    log_path.write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise InfraError(
            f"downloading KEDA {version} failed (full output in {log_path})",
            details=tail(log_path),
        )
    return Path(json.loads(result.stdout)["Dir"])


def provision_k8s_tools(*, log: Log = print, cache: Path | None = None) -> K8sTools:
    """kustomize and KEDA's files, from the cache or fetched once; cheap when cached."""
    root = cache if cache is not None else paths.cache_dir()
    with _cache_lock(root):
        kustomize, kustomize_version = provision_kustomize(root, log=log)
        keda_dir, keda_version = provision_keda(root, log=log)
    return K8sTools(
        kustomize=kustomize,
        kustomize_version=kustomize_version,
        keda_version=keda_version,
        keda_scaledobject_crd=keda_dir / "scaledobjects.yaml",
        keda_kafka_scaler=keda_dir / "kafka_scaler.go",
    )
