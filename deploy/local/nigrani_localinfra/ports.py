"""Choosing TCP ports on the loopback interface.

Tests run several stacks side by side and developers may already have something on
9092 or 27017, so every port is either checked or picked free by the kernel.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable

from .errors import InfraError

LOOPBACK = "127.0.0.1"


def _bind(port: int) -> socket.socket:
    # SO_REUSEADDR mirrors what the JVM and Go set on their listening sockets, so a
    # port that only has connections in TIME_WAIT counts as free, as it is for them.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((LOOPBACK, port))
    except OSError:
        sock.close()
        raise
    return sock


def port_is_free(port: int) -> bool:
    """Return True if a server could listen on 127.0.0.1:``port`` right now."""
    try:
        sock = _bind(port)
    except OSError:
        return False
    sock.close()
    return True


def free_ports(count: int) -> list[int]:
    """Return ``count`` distinct ports the kernel considers free right now.

    All sockets are held open until every port is chosen so the kernel cannot hand
    out the same port twice. Another process may still grab one before we use it;
    the callers' readiness checks then fail loudly rather than silently.
    """
    with contextlib.ExitStack() as stack:
        ports: list[int] = []
        for _ in range(count):
            sock = stack.enter_context(_bind(0))
            ports.append(int(sock.getsockname()[1]))
        return ports


def choose_port(
    requested: int | None,
    *,
    fallback: bool,
    name: str,
    log: Callable[[str], None],
) -> int:
    """Resolve a requested port.

    ``None`` means any free port. A taken port is an error unless ``fallback`` is
    set, in which case a free port is used and the substitution is logged.
    """
    if requested is None:
        return free_ports(1)[0]
    if port_is_free(requested):
        return requested
    if not fallback:
        raise InfraError(f"{name} port {requested} on {LOOPBACK} is already in use")
    chosen = free_ports(1)[0]
    log(f"[infra] {name} port {requested} is taken, using {chosen} instead")
    return chosen
