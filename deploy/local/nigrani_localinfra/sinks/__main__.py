"""``python -m nigrani_localinfra.sinks``: see :mod:`nigrani_localinfra.sinks.server`."""

from .server import main

main()
