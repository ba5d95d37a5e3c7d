"""Where the local infrastructure keeps its inputs and its cache.

Inputs (pom.xml, the Go program, config templates) live in the repository next to
this package, so a fresh clone carries them. Fetched jars and the built FerretDB
binary go to a per-user cache shared by every clone (CI's fresh clone reuses what a
developer or an earlier run already fetched), keyed by version.
"""

from __future__ import annotations

import os
from pathlib import Path

#: ``deploy/local`` in the repository.
DEPLOY_DIR = Path(__file__).resolve().parent.parent
KAFKA_DIR = DEPLOY_DIR / "kafka"
FERRETDB_DIR = DEPLOY_DIR / "ferretdb"

#: ``deploy/prometheus``: the scrape configuration and the alert rules (and their tests).
PROMETHEUS_DIR = DEPLOY_DIR.parent / "prometheus"
PROMETHEUS_CONFIG_TEMPLATE = PROMETHEUS_DIR / "prometheus.yml"
PROMETHEUS_RULES_DIR = PROMETHEUS_DIR / "rules"

KAFKA_POM = KAFKA_DIR / "pom.xml"
KAFKA_LOG4J_CONFIG = KAFKA_DIR / "log4j2.properties"
KAFKA_SERVER_TEMPLATE = KAFKA_DIR / "server.properties.template"

#: The Go modules that pin kustomize (built) and KEDA (only read: its CRD and Kafka scaler).
KUSTOMIZE_DIR = DEPLOY_DIR / "kustomize"
KEDA_DIR = DEPLOY_DIR / "keda"

#: ``deploy/k8s``: the Kustomize base and overlays that the tests render with that kustomize.
K8S_DIR = DEPLOY_DIR.parent / "k8s"

#: The files whose content determines the FerretDB binary.
FERRETDB_SOURCES = (
    *sorted(FERRETDB_DIR.glob("*.go")),
    FERRETDB_DIR / "go.mod",
    FERRETDB_DIR / "go.sum",
)

#: ``deploy/compose/check``: the Go program that loads docker-compose.yml as Compose does.
COMPOSE_CHECK_DIR = DEPLOY_DIR.parent / "compose" / "check"
COMPOSE_CHECK_SOURCES = (
    *sorted(COMPOSE_CHECK_DIR.glob("*.go")),
    COMPOSE_CHECK_DIR / "go.mod",
    COMPOSE_CHECK_DIR / "go.sum",
)

CACHE_ENV_VAR = "NIGRANI_CACHE_DIR"


def cache_dir() -> Path:
    """Return ``$NIGRANI_CACHE_DIR`` or ``~/.cache/nigrani`` (not created here)."""
    override = os.environ.get(CACHE_ENV_VAR)
    if override:
        return Path(override).expanduser().resolve()
    return Path.home() / ".cache" / "nigrani"
