"""Local sinks for `make up`: an SMTP server that keeps every mail and an SMS gateway that
keeps every text, both shown on one page a person can read.

Notify talks to them exactly as it would to a real relay and gateway (SMTP on
127.0.0.1:1025, ``POST http://127.0.0.1:8025/sms``); the page is http://127.0.0.1:8025.
"""

from .control import (
    SinkPorts,
    log_path,
    recorded_ports,
    sinks_running,
    start_sinks,
    stop_sinks,
)

__all__ = ["SinkPorts", "log_path", "recorded_ports", "sinks_running", "start_sinks", "stop_sinks"]
