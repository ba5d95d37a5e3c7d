"""The write concern every store client uses: a write is acknowledged once a majority of
the replica set holds it in its journal, so an acknowledged submission (a citizen's 2xx)
survives the loss of the primary. A weaker concern can acknowledge a write that a
failover then rolls back: the outbox guarantee would be void.

The URI may still say otherwise in development (a benchmark may want w=1); production
refuses a URI that asks for less (settings.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

MAJORITY = "majority"
_TRUE = ("true", "1", "yes")


def uri_options(uri: str) -> dict[str, str]:
    """The URI's options, keys lower-cased as the driver reads them (the last one wins)."""
    return {key.lower(): value for key, value in parse_qsl(urlsplit(uri).query)}


def default_write_concern(uri: str) -> dict[str, Any]:
    """The client options that make majority and journal the default: only those the
    URI does not set (the driver lets keyword options override the URI)."""
    options = uri_options(uri)
    defaults: dict[str, Any] = {}
    if "w" not in options:
        defaults["w"] = MAJORITY
    if "journal" not in options and "j" not in options:
        defaults["journal"] = True
    return defaults


def weak_write_concern(uri: str) -> str | None:
    """Why the URI's write concern is too weak for production, or None. The message names
    the option and its value, never the URI (it may hold a password)."""
    options = uri_options(uri)
    w = options.get("w")
    # Exactly "majority": the server reads any other string (w=Majority too) as the name
    # of a custom write concern mode, and refuses every write that asks for a missing one.
    if w is not None and w != MAJORITY:
        return (
            f"MONGODB_URI asks for w={w}: production writes need w=majority"
            " (remove the option or set w=majority)"
        )
    for name in ("journal", "j"):
        value = options.get(name)
        if value is not None and value.lower() not in _TRUE:
            return (
                f"MONGODB_URI asks for {name}={value}: production writes need the journal"
                f" (remove the option or set {name}=true)"
            )
    return None
