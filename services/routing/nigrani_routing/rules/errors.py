"""The one error a bad rules or areas file raises, naming the file, the line and the problem.

An operator who edits routing.yaml at night and sends SIGHUP must see which line is wrong
without reading a traceback; the rules in force stay until the file is fixed.
"""

from __future__ import annotations

from nigrani_shared.config_files.errors import ConfigFileError


class RulesError(ConfigFileError):
    """A rules or areas file was refused: `message` is what an operator needs to fix it."""
