"""The one exception type the local infrastructure raises.

The CLI turns it into a single clear line (plus an optional log tail) and a nonzero
exit, so every failure path raises this rather than a bare subprocess or OS error.
"""

from __future__ import annotations


class InfraError(RuntimeError):
    """A local infrastructure step failed; ``str(err)`` is a one-line explanation.

    ``details`` carries optional extra lines (for example the last lines of a
    broker log) that help diagnose the failure without opening files.
    """

    def __init__(self, message: str, *, details: str = "") -> None:
        super().__init__(message)
        self.details = details
