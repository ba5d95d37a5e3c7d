"""Renders the ops pages with Jinja2 (autoescape on), and formats their numbers.

The formats here are repeated in static/board.js, which redraws the page from the JSON
every few seconds; the browser test checks that both write the same text.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader

from nigrani_sla.dashboard.schemas import OpsSummary

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
NOTHING = "\u2013"  # an en dash: no value (no request stopped this month, say)


def duration_text(seconds: float | None) -> str:
    """ "45 min", "3 h 20 min", "4 d 7 h": precise enough for a backlog, short on a phone."""
    if seconds is None:
        return NOTHING
    minutes = math.floor(max(seconds, 0.0) / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def percent_text(ratio: float | None) -> str:
    return NOTHING if ratio is None else f"{ratio * 100:.1f} %"


def build_environment(zone: ZoneInfo) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )

    def local_text(moment: datetime | None) -> str:
        return NOTHING if moment is None else moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    environment.filters["duration"] = duration_text
    environment.filters["percent"] = percent_text
    environment.filters["local"] = local_text
    return environment


class Pages:
    def __init__(self, zone: ZoneInfo, refresh_seconds: float) -> None:
        self._environment = build_environment(zone)
        self._refresh_seconds = refresh_seconds

    def board(self, summary: OpsSummary, *, data_url: str) -> str:
        template = self._environment.get_template("board.html")
        return template.render(
            s=summary,
            data=summary.model_dump(mode="json"),
            data_url=data_url,
            refresh_seconds=self._refresh_seconds,
        )

    def not_found(self, message: str) -> str:
        return self._environment.get_template("not_found.html").render(message=message)
