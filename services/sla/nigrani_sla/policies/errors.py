"""The error a bad policies file raises: the SLA service must not start with targets it
misread, since every request's due time would follow them."""

from __future__ import annotations

from nigrani_shared.config_files.errors import ConfigFileError


class PolicyConfigError(ConfigFileError):
    """policies.yaml was refused; the message names the file, the line and the problem."""
