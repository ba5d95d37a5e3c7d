"""The base every event payload inherits: frozen, strict about fields, typed by a literal."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class EventData(BaseModel):
    """An event payload. `event_type` ends in `.vN`; a breaking change is a new class."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
