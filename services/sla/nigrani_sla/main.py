"""Sla app factory: operational endpoints only until its issue lands."""

from __future__ import annotations

from fastapi import FastAPI
from nigrani_shared.web.placeholder import create_operational_app

from nigrani_sla.config import SlaSettings


def create_app(settings: SlaSettings) -> FastAPI:
    return create_operational_app(settings, "Nigrani sla")
