"""`python -m nigrani_shared.web.healthcheck`: the container image's HEALTHCHECK.

One image runs every service, and the command chooses which (`python -m nigrani_routing`).
Each service listens on its own host and port variables (ROUTING_HOST, ROUTING_PORT, ...),
so a fixed URL in the Dockerfile would be wrong for all but one of them. The check instead
reads the command of the container's first process (the one the image's CMD or the
deployment's override started) and builds that service's own settings class, so it calls
the address the service itself bound, whatever the deployment set. It talks HTTP with the
standard library: the slim image has no curl.

A worker (`python -m nigrani_<service>.worker`) serves /healthz on its service's own host
and port (service.py), so it is checked exactly like the API. An unknown command fails
the check, so a misconfigured container shows as unhealthy rather than healthy.

`python -m nigrani_shared.web.healthcheck python -m nigrani_sla` checks the service that
command would run instead of reading the first process's (useful outside a container).

The table names the services by import path and loads one lazily, so this library imports
no service: it is the deployment's list, kept true by a test against each service's entry
point.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

from nigrani_shared.settings import NigraniSettings

HTTP_SERVICES: Mapping[str, str] = {
    "nigrani_intake": "nigrani_intake.config:IntakeSettings",
    "nigrani_routing": "nigrani_routing.config:RoutingSettings",
    "nigrani_sla": "nigrani_sla.config:SlaSettings",
    "nigrani_notify": "nigrani_notify.config:NotifySettings",
}
WORKER_SUFFIX = ".worker"
FIRST_PROCESS_COMMAND = Path("/proc/1/cmdline")
TIMEOUT_SECONDS = 4.0  # under the Dockerfile's --timeout, so the check reports its own failure
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})  # noqa: S104 - compared, never bound


class UnknownCommandError(ValueError):
    """The command runs nothing this image knows how to check."""


def module_of(command: Sequence[str]) -> str:
    """The module a `python -m X ...` command runs (after any init such as docker-init)."""
    for index, argument in enumerate(command[:-1]):
        if argument == "-m":
            return command[index + 1]
    raise UnknownCommandError(f"not a `python -m` command: {' '.join(command)!r}")


def settings_class(module: str) -> type[NigraniSettings]:
    """The settings class the service or worker `module` reads (a worker reads its
    service's, and binds the same host and port variables)."""
    service = module
    if module.endswith(WORKER_SUFFIX) and importlib.util.find_spec(module) is not None:
        service = module.removesuffix(WORKER_SUFFIX)
    if service not in HTTP_SERVICES:
        raise UnknownCommandError(f"no HTTP service or worker is run by `python -m {module}`")
    module_path, _, class_name = HTTP_SERVICES[service].partition(":")
    found = getattr(importlib.import_module(module_path), class_name)
    if not (isinstance(found, type) and issubclass(found, NigraniSettings)):
        raise TypeError(f"{HTTP_SERVICES[service]} is not a settings class")
    return found


def healthz_url(settings: NigraniSettings) -> str:
    """Where the service answers /healthz, seen from inside its own container."""
    host = settings.http_host
    if host in WILDCARD_HOSTS:
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.http_port}/healthz"


def is_healthy(url: str, timeout_seconds: float = TIMEOUT_SECONDS) -> bool:
    """True when /healthz answers 200; a 503, a refused connection or a timeout is False."""
    try:
        # The URL is built above from our own settings, always http.
        with urllib.request.urlopen(url, timeout=timeout_seconds) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def first_process_command() -> list[str]:
    return [part.decode() for part in FIRST_PROCESS_COMMAND.read_bytes().split(b"\0") if part]


def main(argv: Sequence[str]) -> int:
    command = list(argv) or first_process_command()
    try:
        settings_type = settings_class(module_of(command))
    except UnknownCommandError as error:
        print(f"healthcheck: {error}", file=sys.stderr)
        return 1
    url = healthz_url(settings_type())
    if is_healthy(url):
        return 0
    print(f"healthcheck: {url} did not answer 200", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
