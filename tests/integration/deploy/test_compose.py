"""docker-compose.yml, checked without a Docker engine (none runs on these machines).

The Compose Specification's own loader reads the file strictly with .env.example (schema,
interpolation, consistency; any warning is an error), and the tests below inspect the
project it produces: the commands exist, each Nigrani service's environment is exactly
what its settings read and builds settings that validate (and pass production's checks
but for the one broker's replication), start order waits on real healthchecks, ports are
published on loopback only, volumes are named, Prometheus scrapes every process and its
config passes promtool as the container sees it.

What needs a Docker host (the images pull and build, the containers start and become
healthy, the replica set initiates, mail reaches Mailpit) is not checked here.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from nigrani_localinfra import paths
from nigrani_localinfra.provision import GO_BUILD_TIMEOUT_S, kafka_version
from nigrani_shared.auth.settings import DEVELOPMENT_STAFF_JWT_SECRET
from nigrani_shared.settings import DEVELOPMENT_SECRET, NigraniSettings
from nigrani_shared.web.healthcheck import WORKER_SUFFIX, module_of, settings_class
from nigrani_shared.web.serve import GRACEFUL_SHUTDOWN_SECONDS
from pydantic import ValidationError

from tests.support import dockerfile
from tests.support.compose import (
    ENV_EXAMPLE,
    ROOT,
    ComposeLoadError,
    env_file_names,
    load,
)
from tests.support.entry_points import unrunnable_commands
from tests.support.promtool import run_promtool
from tests.support.settings_env import env_variables, names_of_field, unread_variables

# The first run may build the loader (a Go build, once per machine; see tests/support/compose.py).
pytestmark = pytest.mark.timeout(GO_BUILD_TIMEOUT_S)

IMAGE = "nigrani:local"
INFRASTRUCTURE = {"kafka", "mongodb"}
#: What a person opens: the public and staff APIs, sla and notify, the dashboards, the inbox.
PUBLISHED = {"intake", "routing", "sla", "notify", "grafana", "prometheus", "mailpit"}
LOOPBACK_ADDRESSES = ("127.0.0.1", "localhost")
DEVELOPMENT_SECRETS = (DEVELOPMENT_SECRET, DEVELOPMENT_STAFF_JWT_SECRET)
#: The console script's settings (the operator CLI reads the shared base).
SCRIPT_SETTINGS: Mapping[str, type[NigraniSettings]] = {"nigrani": NigraniSettings}
TOPIC_VARIABLES = (
    "TOPIC_PREFIX",
    "KAFKA_TOPIC_PARTITIONS",
    "KAFKA_REPLICATION_FACTOR",
    "KAFKA_MIN_INSYNC_REPLICAS",
)


@pytest.fixture(scope="module")
def project() -> dict[str, Any]:
    return load()


def _services(project: dict[str, Any]) -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = project["services"]
    return services


def _nigrani(project: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n: s for n, s in _services(project).items() if s.get("image") == IMAGE}


def _long_running(project: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n: s for n, s in _services(project).items() if s.get("restart") != "no"}


def _settings_of(service: dict[str, Any]) -> type[NigraniSettings]:
    command: list[str] = service["command"]
    if command[0] in SCRIPT_SETTINGS:
        return SCRIPT_SETTINGS[command[0]]
    found = settings_class(module_of(command).removesuffix(WORKER_SUFFIX))
    assert found is not None, command
    return found


def _image_environment() -> dict[str, str]:
    final_stage = (ROOT / "Dockerfile").read_text().rsplit("\nFROM ", 1)[1]
    return dockerfile.env_variables(final_stage)


def _environment(service: dict[str, Any]) -> dict[str, str]:
    return {name: str(value) for name, value in (service.get("environment") or {}).items()}


def _build(
    settings: type[NigraniSettings],
    environment: Mapping[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> NigraniSettings:
    """The settings a container with `environment` (and the image's ENV) would build."""
    for name in env_variables(settings):
        monkeypatch.delenv(name, raising=False)
    for name, value in {**_image_environment(), **environment}.items():
        monkeypatch.setenv(name, value)
    return settings()


def _without(name: str, tmp_path: Path) -> Path:
    kept = [
        line
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line.partition("=")[0].strip() != name
    ]
    env_file = tmp_path / f"without-{name}.env"
    env_file.write_text("\n".join(kept) + "\n")
    return env_file


# --- the loader -------------------------------------------------------------------------


def test_the_file_loads_strictly_with_the_example_env(project: dict[str, Any]) -> None:
    assert set(_services(project)) == {
        *INFRASTRUCTURE,
        "topics",
        "intake",
        "intake-worker",
        "routing",
        "routing-worker",
        "sla",
        "notify",
        "mailpit",
        "prometheus",
        "grafana",
    }


@pytest.mark.parametrize("name", env_file_names())
def test_a_missing_variable_stops_compose_with_its_message(name: str, tmp_path: Path) -> None:
    """Every variable .env.example sets is required, and says where to set it."""
    with pytest.raises(ComposeLoadError) as refused:
        load(_without(name, tmp_path))

    assert f"required variable {name} is missing a value: set {name} in .env" in str(refused.value)


def test_the_loader_refuses_unknown_attributes_and_unset_variables(tmp_path: Path) -> None:
    """The loader is as strict as the tests above assume."""
    bogus = tmp_path / "bogus.yml"
    bogus.write_text("services:\n  a:\n    image: x\n    restart_policy: always\n")
    with pytest.raises(ComposeLoadError, match="restart_policy"):
        load(compose_file=bogus)

    unset = tmp_path / "unset.yml"
    unset.write_text("services:\n  a:\n    image: x\n    environment:\n      A: ${NOT_IN_ENV}\n")
    with pytest.raises(ComposeLoadError, match='"NOT_IN_ENV" variable is not set'):
        load(compose_file=unset)


def test_the_env_file_is_ignored_and_its_example_holds_placeholders_only() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "--quiet", ".env"],  # noqa: S607 - git from PATH
        cwd=ROOT,
        check=False,
    )
    assert ignored.returncode == 0, ".env is not git-ignored"
    assert dockerfile.is_ignored(
        ".env", dockerfile.ignore_rules((ROOT / ".dockerignore").read_text())
    )
    for line in ENV_EXAMPLE.read_text().splitlines():
        name, _, value = line.partition("=")
        if any(word in name for word in ("SECRET", "TOKEN", "PASSWORD", "GATEWAY")):
            assert "placeholder" in value, f"{name} in .env.example must be a placeholder"


# --- commands and settings --------------------------------------------------------------


def test_every_command_and_healthcheck_runs_something_of_ours(project: dict[str, Any]) -> None:
    services = _nigrani(project)
    commands = [service["command"] for service in services.values()]
    commands += [
        service["healthcheck"]["test"][1:]  # after CMD
        for service in services.values()
        if "healthcheck" in service
    ]

    assert unrunnable_commands(commands) == []


demo_cli = typer.Typer()
demo_topics = typer.Typer()
demo_cli.add_typer(demo_topics, name="topics")
demo_cli.command("lag")(lambda: None)
demo_topics.command("create")(lambda: None)


def test_the_command_check_follows_a_console_scripts_subcommands() -> None:
    scripts = {"nigrani": f"{__name__}:demo_cli", "other": f"{__name__}:missing"}

    assert unrunnable_commands(
        [
            ["nigrani", "topics", "create"],
            ["nigrani", "lag", "--group", "g"],
            ["nigrani", "topic", "create"],
            ["nigrani", "topics"],
            ["other"],
        ],
        scripts,
    ) == [
        "['nigrani', 'topic', 'create']: no command `topic`",
        "['nigrani', 'topics']: `topics` names a group of commands, not a command",
        f"['other']: {__name__} has no missing",
    ]


def test_every_variable_set_on_a_service_is_read_by_its_settings(
    project: dict[str, Any],
) -> None:
    for name, service in _nigrani(project).items():
        settings = _settings_of(service)
        unread = unread_variables(settings, _environment(service))
        assert unread == [], f"{name} sets what {settings.__name__} never reads: {unread}"


def test_no_setting_is_left_at_a_loopback_default_or_a_development_secret(
    project: dict[str, Any],
) -> None:
    """A default meant for a developer's machine (127.0.0.1, a development secret) is
    wrong in a container: the compose file or the image sets every such field."""
    image = _image_environment()
    for name, service in _nigrani(project).items():
        settings = _settings_of(service)
        given = set(_environment(service)) | set(image)
        for field_name, field in settings.model_fields.items():
            if field.is_required():
                assert names_of_field(settings, field_name) & given, (name, field_name)
                continue
            default = json.dumps(
                _dumped_default(field.get_default(call_default_factory=True, validated_data={}))
            )
            if any(word in default for word in (*LOOPBACK_ADDRESSES, *DEVELOPMENT_SECRETS)):
                if service["command"][0] in SCRIPT_SETTINGS and field_name == "http_host":
                    continue  # the operator's command line serves nothing
                assert names_of_field(settings, field_name) & given, (
                    f"{name} leaves {field_name} at its default {default}"
                )


def _dumped_default(value: object) -> object:
    dump = getattr(value, "model_dump", None)
    if dump is not None:
        return dump(mode="json")
    get_secret = getattr(value, "get_secret_value", None)
    return get_secret() if get_secret is not None else str(value)


def test_each_service_builds_valid_settings_from_its_environment(
    project: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    for service in _nigrani(project).values():
        _build(_settings_of(service), _environment(service), monkeypatch)


def test_but_for_one_brokers_replication_the_environment_passes_production(
    project: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENVIRONMENT=development in the compose file hides nothing else: production's checks
    (real secrets, the contacts token) pass once topics keep more copies than one broker can."""
    for name, service in _nigrani(project).items():
        settings = _settings_of(service)
        production = {**_environment(service), "ENVIRONMENT": "production"}
        with pytest.raises(ValidationError, match="KAFKA_REPLICATION_FACTOR >= 2") as refused:
            _build(settings, production, monkeypatch)
        assert refused.value.error_count() == 1, (name, refused.value)

        replicated = {
            **production,
            "KAFKA_REPLICATION_FACTOR": "3",
            "KAFKA_MIN_INSYNC_REPLICAS": "2",
        }
        assert _build(settings, replicated, monkeypatch).environment == "production"


def test_each_consumer_runs_in_one_kind_of_process(project: dict[str, Any]) -> None:
    """An API whose worker runs as a service of its own does not consume as well; sla and
    notify, which have no worker process, consume inside the API."""
    modules = {
        name: module_of(service["command"])
        for name, service in _nigrani(project).items()
        if service["command"][0] not in SCRIPT_SETTINGS
    }
    workers = {m.removesuffix(WORKER_SUFFIX) for m in modules.values() if m.endswith(WORKER_SUFFIX)}
    assert workers == {"nigrani_intake", "nigrani_routing"}
    for name, module in modules.items():
        if module.endswith(WORKER_SUFFIX):
            continue
        service = _services(project)[name]
        embedded = _environment(service).get("EMBEDDED_WORKER", "true")
        assert embedded == ("false" if module in workers else "true"), name


def test_notify_reaches_intake_and_mailpit(
    project: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    services = _services(project)
    notify: Any = _build(
        _settings_of(services["notify"]), _environment(services["notify"]), monkeypatch
    )
    intake: Any = _build(
        _settings_of(services["intake"]), _environment(services["intake"]), monkeypatch
    )

    assert notify.intake_internal_url == f"http://intake:{intake.http_port}"
    assert notify.internal_api_token == intake.internal_api_token
    assert (notify.smtp.host, notify.smtp.port) == ("mailpit", 1025)
    assert "mailpit" in services["notify"]["depends_on"]


def test_the_topics_are_created_as_the_services_expect_them(project: dict[str, Any]) -> None:
    services = _nigrani(project)
    topics = services.pop("topics")
    assert topics["command"] == ["nigrani", "topics", "create"]
    created = {k: v for k, v in _environment(topics).items() if k in TOPIC_VARIABLES}
    for name, service in services.items():
        expected = {k: v for k, v in _environment(service).items() if k in TOPIC_VARIABLES}
        assert expected == created, name
        assert service["depends_on"]["topics"]["condition"] == "service_completed_successfully"


# --- start order, health, ports, volumes ------------------------------------------------


def test_every_long_running_service_has_a_healthcheck(project: dict[str, Any]) -> None:
    for name, service in _long_running(project).items():
        check = service.get("healthcheck")
        assert check, f"{name} has no healthcheck"
        assert not check.get("disable"), name
        assert check["test"][0] in {"CMD", "CMD-SHELL"}, name


def test_services_start_once_kafka_and_mongodb_are_healthy(project: dict[str, Any]) -> None:
    services = _services(project)
    for name, service in _nigrani(project).items():
        if name == "topics":
            assert service["depends_on"] == {
                "kafka": {"condition": "service_healthy", "required": True}
            }
            continue
        for infrastructure in INFRASTRUCTURE:
            assert service["depends_on"][infrastructure]["condition"] == "service_healthy"
    for name, service in services.items():
        for dependency, how in (service.get("depends_on") or {}).items():
            if how["condition"] == "service_healthy":
                assert services[dependency].get("healthcheck"), (name, dependency)


def test_ports_are_published_on_loopback_for_what_people_use(
    project: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    services = _services(project)
    published = {name for name, service in services.items() if service.get("ports")}

    assert published == PUBLISHED
    for name in published:
        for port in services[name]["ports"]:
            assert port["host_ip"] == "127.0.0.1", name
    for name, service in _nigrani(project).items():
        if service.get("ports"):
            settings = _build(_settings_of(service), _environment(service), monkeypatch)
            assert [p["target"] for p in service["ports"]] == [settings.http_port], name


def test_volumes_are_named_or_read_only_repository_files(project: dict[str, Any]) -> None:
    declared = set(project["volumes"])
    for name, service in _services(project).items():
        for mount in service.get("volumes", []):
            if mount["type"] == "volume":
                assert mount.get("source") in declared, f"{name}: anonymous volume {mount}"
            else:
                assert mount["type"] == "bind", (name, mount)
                source = Path(mount["source"])
                assert source.is_relative_to(ROOT), (name, mount)
                assert source.exists(), (name, mount)
                assert mount.get("read_only"), (name, mount)


def test_kafka_is_the_version_make_up_runs(project: dict[str, Any]) -> None:
    assert _services(project)["kafka"]["image"] == f"apache/kafka:{kafka_version()}"


# --- Prometheus and Grafana -------------------------------------------------------------


def _container_file(service: dict[str, Any], target: str) -> Path:
    [mount] = [m for m in service["volumes"] if m["target"] == target]
    return Path(mount["source"])


def test_prometheus_scrapes_every_service_and_worker_on_its_port(
    project: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    prometheus = _services(project)["prometheus"]
    config = yaml.safe_load(
        _container_file(prometheus, "/etc/prometheus/prometheus.yml").read_text()
    )
    scraped = {
        target
        for job in config["scrape_configs"]
        for static in job["static_configs"]
        for target in static["targets"]
    }
    expected = {"127.0.0.1:9090"}
    for name, service in _nigrani(project).items():
        if service.get("restart") != "no":
            settings = _build(_settings_of(service), _environment(service), monkeypatch)
            expected.add(f"{name}:{settings.http_port}")

    assert scraped == expected


def test_the_prometheus_config_passes_promtool_as_the_container_sees_it(
    project: dict[str, Any], tmp_path: Path
) -> None:
    """The config and rules are laid out at the paths the container mounts them on, so the
    rule glob is resolved as Prometheus in the container will resolve it."""
    prometheus = _services(project)["prometheus"]
    for mount in prometheus["volumes"]:
        if mount["type"] == "bind":
            inside = tmp_path / mount["target"].lstrip("/")
            inside.parent.mkdir(parents=True, exist_ok=True)
            inside.symlink_to(mount["source"])
    config_path = tmp_path / "etc/prometheus/prometheus.yml"

    output = run_promtool("check", "config", config_path)

    rules = sorted(paths.PROMETHEUS_RULES_DIR.glob("*.yml"))
    assert rules
    for rule_file in rules:
        assert f"Checking {tmp_path}/etc/prometheus/rules/{rule_file.name}" in output, output
    config = yaml.safe_load(config_path.read_text())
    repository = yaml.safe_load(paths.PROMETHEUS_CONFIG_TEMPLATE.read_text())
    assert config["global"] == repository["global"]
    assert config["rule_files"] == repository["rule_files"]


def test_grafana_is_provisioned_from_the_repository(project: dict[str, Any]) -> None:
    grafana = _services(project)["grafana"]
    environment = _environment(grafana)
    grafana_dir = paths.PROMETHEUS_DIR.parent / "grafana"

    assert _container_file(grafana, "/etc/grafana/provisioning") == grafana_dir / "provisioning"
    dashboards = environment["NIGRANI_GRAFANA_DASHBOARDS"]
    assert _container_file(grafana, dashboards) == grafana_dir / "dashboards"
    assert environment["NIGRANI_PROMETHEUS_URL"] == "http://prometheus:9090"
    assert grafana["depends_on"]["prometheus"]["condition"] == "service_healthy"


def test_a_stop_leaves_the_consumers_time_to_finish_and_commit(
    project: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`docker compose stop` sends SIGTERM, then SIGKILL after the stop grace period (10 s
    unless set): uvicorn's wait for open requests, then the consumer finishing its batch
    and committing and leaving its group, as the services' settings allow, must fit."""
    for name, service in _nigrani(project).items():
        if name not in _long_running(project):
            continue
        settings = _build(_settings_of(service), _environment(service), monkeypatch)
        needed = (
            GRACEFUL_SHUTDOWN_SECONDS
            + settings.consumer_stop_grace_seconds
            + settings.consumer_close_timeout_seconds
        )
        grace = _seconds(service.get("stop_grace_period") or DOCKER_STOP_GRACE)
        assert grace >= needed, f"{name}: {grace} s to stop, its consumer may take {needed} s"


DOCKER_STOP_GRACE = "10s"  # what Docker waits when a service sets no stop_grace_period
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(h|m|s|ms)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def _seconds(duration: str) -> float:
    """A Compose duration ("30s", "1m30s") in seconds."""
    parts = _DURATION_PART.findall(duration)
    assert "".join(n + u for n, u in parts) == duration, duration
    return sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)


def test_kafka_keeps_its_internal_topics_on_its_one_broker(project: dict[str, Any]) -> None:
    """Every internal topic's replication factor and min ISR that the local single-node
    broker lowers to fit one broker (offsets, transactions, share groups) is lowered in the
    same way here (the image reads KAFKA_<PROPERTY> with dots as underscores)."""
    single_node = {
        key: value
        for key, _, value in (
            line.partition("=")
            for line in paths.KAFKA_SERVER_TEMPLATE.read_text().splitlines()
            if "=" in line
        )
        if key.endswith((".replication.factor", ".min.isr")) and ("topic" in key or ".log." in key)
    }
    environment = _environment(_services(project)["kafka"])

    assert single_node
    for key, value in single_node.items():
        assert environment.get("KAFKA_" + key.upper().replace(".", "_")) == value, key
