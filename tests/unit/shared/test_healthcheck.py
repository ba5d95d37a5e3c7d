"""The image's healthcheck finds the running service from its command and calls /healthz
where that service's own settings say it listens."""

from __future__ import annotations

import ast
import importlib.util
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from nigrani_routing.config import RoutingSettings
from nigrani_shared.web.healthcheck import (
    HTTP_SERVICES,
    UnknownCommandError,
    healthz_url,
    main,
    module_of,
    settings_class,
)


class _Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    handler = type("Handler", (_Health,), {})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.mark.parametrize(
    "command",
    [
        ["python", "-m", "nigrani_sla"],
        ["/opt/nigrani/bin/python", "-m", "nigrani_sla", "--ignored"],
        ["/sbin/docker-init", "--", "python", "-m", "nigrani_sla"],
    ],
)
def test_the_module_is_read_from_the_command(command: list[str]) -> None:
    assert module_of(command) == "nigrani_sla"


def test_a_command_without_a_module_is_refused() -> None:
    with pytest.raises(UnknownCommandError):
        module_of(["uvicorn", "nigrani_intake.main:app"])


def test_services_and_their_existing_workers_read_the_service_settings() -> None:
    assert settings_class("nigrani_routing") is RoutingSettings
    assert settings_class("nigrani_routing.worker") is RoutingSettings
    with pytest.raises(UnknownCommandError):
        settings_class("nigrani_sla.worker")  # sla runs no separate worker
    with pytest.raises(UnknownCommandError):
        settings_class("nigrani_shared.kafka.replay")


def test_the_url_is_the_one_the_service_binds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROUTING_HOST", "0.0.0.0")  # noqa: S104 - the image's value
    monkeypatch.setenv("ROUTING_PORT", "18001")
    assert healthz_url(RoutingSettings()) == "http://127.0.0.1:18001/healthz"

    monkeypatch.setenv("ROUTING_HOST", "::1")
    assert healthz_url(RoutingSettings()) == "http://[::1]:18001/healthz"

    monkeypatch.setenv("ROUTING_HOST", "10.0.0.7")
    assert healthz_url(RoutingSettings()) == "http://10.0.0.7:18001/healthz"


@pytest.mark.parametrize("module", sorted(HTTP_SERVICES))
def test_the_table_names_the_settings_each_service_entry_point_builds(module: str) -> None:
    spec = importlib.util.find_spec(f"{module}.__main__")
    assert spec is not None
    assert spec.origin is not None
    calls = {
        node.func.id
        for node in ast.walk(ast.parse(Path(spec.origin).read_text()))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    settings = settings_class(module)

    assert settings is not None
    assert settings.__name__ in calls


def test_a_service_answering_200_is_healthy(
    server: ThreadingHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFY_HOST", "0.0.0.0")  # noqa: S104 - the image's value
    monkeypatch.setenv("NOTIFY_PORT", str(server.server_address[1]))

    assert main(["python", "-m", "nigrani_notify"]) == 0


def test_a_service_answering_503_is_unhealthy(
    server: ThreadingHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.RequestHandlerClass.status = 503  # type: ignore[attr-defined]
    monkeypatch.setenv("NOTIFY_PORT", str(server.server_address[1]))

    assert main(["python", "-m", "nigrani_notify"]) == 1


def test_another_services_port_is_not_checked(
    server: ThreadingHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Intake answers on the server's port, but the command runs notify on another one."""
    monkeypatch.setenv("INTAKE_PORT", str(server.server_address[1]))
    with ThreadingHTTPServer(("127.0.0.1", 0), _Health) as closed:
        free_port = closed.server_address[1]
    monkeypatch.setenv("NOTIFY_PORT", str(free_port))

    assert main(["python", "-m", "nigrani_intake"]) == 0
    assert main(["python", "-m", "nigrani_notify"]) == 1


def test_a_worker_is_checked_on_its_service_port_and_an_unknown_command_fails(
    server: ThreadingHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROUTING_PORT", str(server.server_address[1]))
    with ThreadingHTTPServer(("127.0.0.1", 0), _Health) as closed:
        free_port = closed.server_address[1]
    monkeypatch.setenv("INTAKE_PORT", str(free_port))

    assert main(["python", "-m", "nigrani_routing.worker"]) == 0
    assert main(["python", "-m", "nigrani_intake.worker"]) == 1  # nothing listens there
    assert main(["python", "-m", "nigrani_nothing"]) == 1
