"""Which address a request comes from, believing X-Forwarded-For only from trusted proxies.

The peer of the TCP connection is the client unless it is one of our own proxies (the
configured trusted networks). Then X-Forwarded-For is read from the right, the end our
proxies appended to: every address a trusted proxy wrote is skipped, and the first one that
is not trusted is the client. Anything left of it was written by the client itself and
could be anything, so it is never read. A malformed entry stops the walk at the last
address we could vouch for, so a garbled header can never choose the client's identity.

The result is personal data: callers key counters by a keyed hash of it, never store or
log it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from starlette.types import Scope

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

FORWARDED_FOR_HEADER = b"x-forwarded-for"
MAX_FORWARDED_HOPS = 32  # more entries than any real proxy chain; the rest is not read


def parse_address(value: str) -> IPAddress | None:
    """An address as a proxy writes it (`1.2.3.4`, `1.2.3.4:5678`, `[2001:db8::1]:443`,
    `2001:db8::1`), IPv4-mapped IPv6 reduced to IPv4; None if it is not one."""
    text = value.strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def parse_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    """Networks from `10.0.0.0/8`, `2001:db8::/32` or a single address; raises ValueError
    on anything else, so a typo in the configuration stops the service at start-up."""
    return tuple(ipaddress.ip_network(value.strip(), strict=True) for value in values)


def client_address(
    peer: str | None,
    forwarded_for: Sequence[str],
    trusted: Sequence[IPNetwork],
) -> IPAddress | None:
    """The client's address, or None when the connection has no peer address (a Unix
    socket). `forwarded_for` holds every X-Forwarded-For header value, in order."""
    address = parse_address(peer) if peer is not None else None
    if address is None or not _is_trusted(address, trusted):
        return address
    hops = [hop for value in forwarded_for for hop in value.split(",")]
    for hop in reversed(hops[-MAX_FORWARDED_HOPS:]):
        written = parse_address(hop)
        if written is None:
            return address
        address = written
        if not _is_trusted(address, trusted):
            return address
    return address


def client_address_from_scope(scope: Scope, trusted: Sequence[IPNetwork]) -> IPAddress | None:
    """`client_address` for an ASGI HTTP scope."""
    client = scope.get("client")
    peer = str(client[0]) if client else None
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    forwarded = [value.decode("latin-1") for name, value in headers if name == FORWARDED_FOR_HEADER]
    return client_address(peer, forwarded, trusted)


def _is_trusted(address: IPAddress, trusted: Sequence[IPNetwork]) -> bool:
    return any(address in network for network in trusted)
