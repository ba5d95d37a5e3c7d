"""The SLA service in tests: policies of seconds on a calendar that never closes, the
service run in this process (or as a real process, to be killed), and lifecycle events
built the way intake and routing build them."""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from nigrani_shared.clock import utc_now
from nigrani_shared.events import (
    Actor,
    CaseChanged,
    EventEnvelope,
    RequestRouted,
    RequestSubmitted,
    derived_event_id,
    new_event,
)
from nigrani_sla.composition import SlaParts
from nigrani_sla.config import SlaSettings
from nigrani_sla.main import create_app

from tests.support.infra import Infra

SLA_EVENT_PREFIX = "org.nigrani.sla."


def write_policies(
    directory: Path,
    *,
    resolution: str = "4 seconds",
    first_response: str | None = None,
    warning_share: float = 0.5,
    allowances: tuple[str, str, str] = ("1 seconds", "1 seconds", "1 seconds"),
) -> dict[str, Path]:
    """Policy, calendar and closure files for a test: every request gets the same policy,
    and business time is wall time (the calendar never closes)."""
    directory.mkdir(parents=True, exist_ok=True)
    policies = directory / "policies.yaml"
    first_response = first_response or resolution
    supervisor, dept_admin, oversight = allowances
    policies.write_text(
        textwrap.dedent(
            f"""\
            warning_share: {warning_share}
            policies:
              - id: test
                category: "*"
                priority: "*"
                first_response: {first_response}
                resolution: {resolution}
                ladder:
                  supervisor: {supervisor}
                  dept_admin: {dept_admin}
                  oversight: {oversight}
            """
        )
    )
    calendars = directory / "calendars.yaml"
    calendars.write_text("default: always\ncalendars:\n  always:\n    always_open: true\n")
    closures = directory / "closures.yaml"
    closures.write_text("closures: []\nopenings: []\n")
    return {"policies_path": policies, "calendars_path": calendars, "closures_path": closures}


def sla_settings(
    infra: Infra, prefix: str, files: dict[str, Path], **overrides: Any
) -> SlaSettings:
    return SlaSettings(
        environment="test",
        kafka_bootstrap_servers=infra.kafka_bootstrap_servers,
        mongodb_uri=infra.mongodb_uri,
        topic_prefix=prefix,
        secret_key="test-secret-" + prefix,
        kafka_replication_factor=1,
        kafka_min_insync_replicas=1,
        database_name=f"{prefix}_sla",
        **files,
        **overrides,
    )


def sla_environment(settings: SlaSettings) -> dict[str, str]:
    """The same settings as environment variables, for a real `python -m nigrani_sla`."""
    return {
        "ENVIRONMENT": "test",
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "MONGODB_URI": settings.mongodb_uri,
        "TOPIC_PREFIX": settings.topic_prefix,
        "SECRET_KEY": settings.secret_key.get_secret_value(),
        "KAFKA_REPLICATION_FACTOR": "1",
        "KAFKA_MIN_INSYNC_REPLICAS": "1",
        "SLA_DATABASE": settings.database_name,
        "SLA_POLICIES_PATH": str(settings.policies_path),
        "SLA_CALENDARS_PATH": str(settings.calendars_path),
        "SLA_CLOSURES_PATH": str(settings.closures_path),
    }


@asynccontextmanager
async def running_sla(settings: SlaSettings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sla") as client:
            yield app, client


def parts_of(app: FastAPI) -> SlaParts:
    parts: SlaParts = app.state.sla_parts
    return parts


def submitted(
    code: str, *, at: datetime | None = None, category: str = "roads.pothole"
) -> EventEnvelope:
    data = RequestSubmitted(
        request_id=code,
        category=category,
        place=None,
        channel="web",
        sensitive=False,
        anonymous=False,
        has_contact=False,
        submitted_at=at or utc_now(),
    )
    return new_event(
        data, subject=code, source="/test", event_id=derived_event_id(code, "submitted")
    )


def routed(
    code: str, *, at: datetime | None = None, department: str = "CW-ROADS", priority: str = "normal"
) -> EventEnvelope:
    data = RequestRouted(
        request_id=code,
        category="roads.pothole",
        district=None,
        department_code=department,
        department_name=department,
        rule_id="roads",
        rule_set_version="test",
        areas=(),
        conflict_of_interest=False,
        priority=priority,
        routed_at=at or utc_now(),
    )
    return new_event(data, subject=code, source="/test", event_id=derived_event_id(code, "routed"))


def change(
    code: str,
    version: int,
    action: str,
    from_state: str,
    to_state: str,
    *,
    at: datetime | None = None,
    department: str = "CW-ROADS",
    priority: str = "normal",
    actor: str = "staff",
) -> EventEnvelope:
    data = CaseChanged(
        request_id=code,
        case_version=version,
        action=action,
        from_state=from_state,
        to_state=to_state,
        department_code=department,
        department_name=department,
        assignee=None,
        priority=priority,
        transfers=0,
        reopened=0,
        actor=Actor(kind="staff", staff_id="officer-1", role="officer")
        if actor == "staff"
        else Actor(kind=actor),  # type: ignore[arg-type]
        reason=None,
        public_note=None,
        internal_note=None,
        message_id=None,
        occurred_at=at or utc_now(),
    )
    return new_event(
        data, subject=code, source="/test", event_id=derived_event_id(code, "case", str(version))
    )


def sla_events(events: list[dict[str, Any]], code: str) -> list[dict[str, Any]]:
    """The SLA service's events about one request, in topic order."""
    return [
        event
        for event in events
        if event["type"].startswith(SLA_EVENT_PREFIX) and event["subject"] == code
    ]


def fired(events: list[dict[str, Any]], code: str) -> list[str]:
    """`kind:target:level` of each warning, breach and escalation of a request, in order."""
    names = []
    for event in sla_events(events, code):
        kind = event["type"].removeprefix(SLA_EVENT_PREFIX).split(".")[0]
        if kind == "deadline_set":
            continue
        data = event["data"]
        names.append(f"{kind}:{data.get('target', 'resolution')}:{data.get('level', 0)}")
    return names


async def swept_past(apps: list[FastAPI], moment: datetime) -> None:
    """Waits until every SLA app's sweep has closed the second of `moment`: each timer due
    by then has been read and fired or found stale, so what has not fired never will."""
    from tests.support.waiting import eventually

    async def closed() -> bool:
        marks = [parts_of(app).wheel.closed_up_to for app in apps]
        return all(mark is not None and mark >= moment for mark in marks)

    await eventually(closed, within=60, what=f"sweeps closed past {moment:%H:%M:%S}")
