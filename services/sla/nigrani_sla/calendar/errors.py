"""The error a bad calendars or closures file raises: the SLA service must not start with
a calendar it misread, since every due date would be silently wrong."""

from __future__ import annotations

from nigrani_shared.config_files.errors import ConfigFileError


class CalendarConfigError(ConfigFileError):
    """calendars.yaml or closures.yaml was refused; the message names file, line, problem."""
