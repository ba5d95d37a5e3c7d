"""`make up` / `make down`: the whole system in the background on one machine.

Run through the command line (`python -m nigrani_localinfra system up|down|status`, see
`cli.py`); bench and tests import the pieces to start single services.

Infrastructure comes from the environment (KAFKA_BOOTSTRAP_SERVERS and MONGODB_URI, e.g. a
real cluster) or, when those are unset, from the local stack in `.run/infra`. Each service
then runs as its own detached process (`python -m nigrani_<service>`, consumer embedded),
logging to `.run/logs/<service>.log`. Before them, the local mail and SMS sinks start (an
SMTP server and an SMS gateway that keep what they receive, on one page; see `sinks/`).
`up` returns once every service's /readyz answers;
then a real Prometheus (`.run/infra/prometheus*`, port `PROMETHEUS_PORT` or 9090, or a free
one if 9090 is taken) scrapes every service it started, with the alert rules loaded.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import InfraError
from .processes import is_running, read_pid, start_detached, stop_process, tail
from .prometheus import DEFAULT_PORT as PROMETHEUS_DEFAULT_PORT
from .prometheus import PrometheusNode, start_prometheus, stop_prometheus
from .sinks import SinkPorts, recorded_ports, sinks_running, start_sinks, stop_sinks
from .sinks import log_path as sinks_log_path
from .stack import InfraEndpoints, running_endpoints, start_stack, stop_stack

READY_TIMEOUT_S = 90.0
STOP_GRACE_S = 30.0


@dataclass(frozen=True)
class Service:
    name: str
    port_variable: str
    default_port: int

    @property
    def port(self) -> int:
        return int(os.environ.get(self.port_variable, self.default_port))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


SERVICES = (
    Service("intake", "INTAKE_PORT", 8000),
    Service("routing", "ROUTING_PORT", 8001),
    Service("sla", "SLA_PORT", 8002),
    Service("notify", "NOTIFY_PORT", 8003),
)


PROMETHEUS_PORT_VARIABLE = "PROMETHEUS_PORT"


def _log(message: str) -> None:
    """Progress, on stderr."""
    print(message, file=sys.stderr, flush=True)


def _show(message: str) -> None:
    """What the caller asked for (endpoints, states), on stdout."""
    print(message, flush=True)


def _external_endpoints() -> InfraEndpoints | None:
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    mongo = os.environ.get("MONGODB_URI")
    if kafka and mongo:
        return InfraEndpoints(kafka_bootstrap_servers=kafka, mongodb_uri=mongo)
    if kafka or mongo:
        raise InfraError("set both KAFKA_BOOTSTRAP_SERVERS and MONGODB_URI, or neither")
    return None


def _marker(run_dir: Path, service: Service) -> str:
    """Appended to the command line so `down` recognises its own process even if the pid
    was reused; the service ignores extra arguments."""
    return f"--nigrani-run={run_dir}/{service.name}"


def internal_api_token(run_dir: Path) -> str:
    """The token intake's internal API asks of notify: made once per run directory (kept
    readable by its owner only) unless the environment gives one."""
    path = run_dir / "internal-api-token"
    if not path.exists():
        run_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()


def local_wiring(run_dir: Path, sinks: SinkPorts) -> dict[str, str]:
    """How the services find each other and the local sinks; the environment overrides
    each of these (a real SMTP server or SMS gateway, say)."""
    intake = next(service for service in SERVICES if service.name == "intake")
    routing = next(service for service in SERVICES if service.name == "routing")
    return {
        "INTERNAL_API_TOKEN": internal_api_token(run_dir),
        "INTAKE_INTERNAL_URL": intake.url,
        "NOTIFY_PUBLIC_STATUS_URL": f"{intake.url}/v1/requests/{{tracking_code}}",
        "NOTIFY_STAFF_CASE_URL": f"{routing.url}/staff/v1/cases/{{tracking_code}}",
        "NOTIFY_SMTP": json.dumps({"host": "127.0.0.1", "port": sinks.smtp}),
        "NOTIFY_SMS_GATEWAY": json.dumps({"url": sinks.sms_url}),
    }


def start_service(
    run_dir: Path,
    service: Service,
    endpoints: InfraEndpoints,
    wiring: dict[str, str] | None = None,
    *,
    module: str | None = None,
) -> int:
    """Starts `python -m nigrani_<service>`, or `module` in its place (the bench wraps a
    service to count what it sends the store), unless it already runs."""
    pid_path = run_dir / f"{service.name}.pid"
    pid = read_pid(pid_path)
    if pid is not None and service_running(run_dir, service):
        return pid
    env = {
        # The local broker is a single node: one copy of each topic (a real cluster set in
        # the environment may override these).
        "KAFKA_REPLICATION_FACTOR": "1",
        "KAFKA_MIN_INSYNC_REPLICAS": "1",
        **(wiring or {}),
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": endpoints.kafka_bootstrap_servers,
        "MONGODB_URI": endpoints.mongodb_uri,
        service.port_variable: str(service.port),
    }
    return start_detached(
        [sys.executable, "-m", module or f"nigrani_{service.name}", _marker(run_dir, service)],
        log_path=run_dir / "logs" / f"{service.name}.log",
        pid_path=pid_path,
        env=env,
    )


async def wait_ready(run_dir: Path, service: Service, within: float = READY_TIMEOUT_S) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not service_running(run_dir, service):
            break
        if await asyncio.to_thread(_answers, f"{service.url}/readyz"):
            return
        await asyncio.sleep(0.5)
    log = tail(run_dir / "logs" / f"{service.name}.log")
    raise InfraError(f"{service.name} did not become ready on {service.url}", details=log)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback URL
            return bool(response.status == 200)
    except OSError:
        return False


async def up(run_dir: Path) -> None:
    """Starts what is not running (infrastructure node by node, then each service) and
    returns once everything answers; what already runs keeps its process."""
    endpoints = _external_endpoints()
    if endpoints is None:
        endpoints = await start_stack(
            run_dir / "infra", kafka_port=9092, mongo_port=27017, fallback_ports=True, log=_log
        )
    _show(f"Kafka      {endpoints.kafka_bootstrap_servers}")
    _show(f"MongoDB    {endpoints.mongodb_uri}")
    if sinks_running(run_dir):
        _log("[system] the mail and SMS sinks are already running")
    sinks = await start_sinks(run_dir)
    _show(
        f"{'mail+sms':<10} {sinks.url}  (smtp {sinks.smtp_address}, sms {sinks.sms_url};"
        f" logs: {sinks_log_path(run_dir)})"
    )
    for service in SERVICES:
        if service_running(run_dir, service):
            _log(f"[system] {service.name} is already running")
        else:
            _log(f"[system] starting {service.name}")
            start_service(run_dir, service, endpoints, local_wiring(run_dir, sinks))
    for service in SERVICES:
        await wait_ready(run_dir, service)
        _show(f"{service.name:<10} {service.url}  (logs: {run_dir}/logs/{service.name}.log)")
    prometheus = await start_monitoring(run_dir, SERVICES)
    _show(f"{'prometheus':<10} {prometheus.url}  (logs: {prometheus.log_path})")
    _log("Nigrani is running. Stop it with: make down")


def scrape_targets(services: Sequence[Service]) -> dict[str, list[str]]:
    """Prometheus's jobs for the services started: one per service, on its real port."""
    return {service.name: [f"127.0.0.1:{service.port}"] for service in services}


async def start_monitoring(run_dir: Path, services: Sequence[Service]) -> PrometheusNode:
    """Prometheus scraping ``services``, as `up` runs it. An explicit PROMETHEUS_PORT is
    honoured or refused; the default 9090 moves to a free port if something has it."""
    requested = os.environ.get(PROMETHEUS_PORT_VARIABLE)
    return await start_prometheus(
        run_dir / "infra",
        scrape_targets(services),
        port=int(requested) if requested else PROMETHEUS_DEFAULT_PORT,
        fallback_port=not requested,
        log=_log,
    )


async def stop_services(run_dir: Path, services: Sequence[Service] = SERVICES) -> None:
    await asyncio.gather(
        *(
            stop_process(
                read_pid(run_dir / f"{service.name}.pid"),
                marker=_marker(run_dir, service),
                name=service.name,
                grace=STOP_GRACE_S,
                log=_log,
            )
            for service in services
        )
    )


async def down(run_dir: Path) -> None:
    await stop_services(run_dir)
    _log("services stopped")
    await stop_sinks(run_dir, log=_log)
    _log("mail and SMS sinks stopped")
    await stop_prometheus(run_dir / "infra", log=_log)
    _log("Prometheus stopped")
    if (run_dir / "infra").exists():
        await stop_stack(run_dir / "infra", log=_log)
        _log("local Kafka and FerretDB stopped")


def service_running(run_dir: Path, service: Service) -> bool:
    return is_running(read_pid(run_dir / f"{service.name}.pid"), _marker(run_dir, service))


async def status(run_dir: Path) -> bool:
    """Prints each part's state; True if everything runs."""
    running = [service_running(run_dir, service) for service in SERVICES]
    for service, alive in zip(SERVICES, running, strict=True):
        _show(f"{service.name:<10} {service.url}  {'running' if alive else 'stopped'}")
    running.append(sinks_running(run_dir))
    sinks = recorded_ports(run_dir)
    where = f"{sinks.url}  (smtp {sinks.smtp_address})" if sinks else "(never started)"
    _show(f"{'mail+sms':<10} {where}  {'running' if running[-1] else 'stopped'}")
    prometheus = PrometheusNode(run_dir / "infra")
    running.append(prometheus.is_running())
    where = prometheus.url if prometheus.port is not None else "(never started)"
    _show(f"{'prometheus':<10} {where}  {'running' if running[-1] else 'stopped'}")
    if _external_endpoints() is not None:
        _show("infra      external (KAFKA_BOOTSTRAP_SERVERS, MONGODB_URI)")
        return all(running)
    endpoints = await running_endpoints(run_dir / "infra")
    _show(f"infra      {'running' if endpoints else 'stopped'}")
    return all(running) and endpoints is not None
