"""Notify's app factory and lifespan. One process consumes the lifecycle topic (recording
what is owed), sweeps each channel's wheel of attempts (sending), sweeps the waiting
reminders, and relays announcements a dead sender left. Several replicas may run: the
consumer group splits the requests, every replica sweeps every wheel, and the attempts'
claims keep each send to one replica."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import httpx
from fastapi import FastAPI
from nigrani_shared.kafka.background import BackgroundConsumer
from nigrani_shared.kafka.topology import NOTIFY_GROUP
from nigrani_shared.service import ServiceClients, consumer_for, embed_consumer, open_clients
from nigrani_shared.web.app import install_common, set_readiness_checks
from nigrani_shared.web.health import ReadinessCheck

from nigrani_notify.composition import NotifyParts, build_parts, start_loops
from nigrani_notify.config import NotifySettings
from nigrani_notify.recipients import Recipients
from nigrani_notify.repository import INDEXES
from nigrani_notify.templating import Templates

GROUP_ID = NOTIFY_GROUP


@dataclass(frozen=True)
class NotifyFiles:
    """What a deployment supplies, read and checked before the service starts: a missing
    template, an undefined variable or a bad recipients file stops start-up here."""

    templates: Templates
    recipients: Recipients

    @classmethod
    def load(cls, settings: NotifySettings) -> NotifyFiles:
        return cls(
            templates=Templates.load(settings.templates_path),
            recipients=Recipients.load(settings.recipients_path),
        )


def build_consumer(clients: ServiceClients, parts: NotifyParts) -> BackgroundConsumer:
    # "latest": a new notify group tells nobody about the past (the horizon guards a
    # group that was away too long). "by_effect": deliveries are keyed by event, channel
    # and recipient, so a redelivery finds what it recorded.
    return consumer_for(
        clients,
        group_id=GROUP_ID,
        handlers=parts.listener.handlers(),
        start_from="latest",
        dedupe="by_effect",
    )


def create_app(
    settings: NotifySettings, *, intake_transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """`intake_transport` lets tests reach an intake app in the same process."""
    files = NotifyFiles.load(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            clients = await stack.enter_async_context(open_clients(settings, INDEXES))
            intake = await stack.enter_async_context(
                httpx.AsyncClient(
                    base_url=settings.intake_internal_url,
                    timeout=settings.intake_timeout_seconds,
                    transport=intake_transport,
                )
            )
            parts = await build_parts(
                stack, clients, settings, files.templates, files.recipients, intake
            )
            app.state.notify_parts = parts
            checks: dict[str, ReadinessCheck] = dict(clients.readiness_checks())
            start_loops(stack, parts, settings)
            if settings.embedded_worker:
                checks.update(embed_consumer(stack, build_consumer(clients, parts)))
            set_readiness_checks(app, checks)
            yield

    app = FastAPI(title="Nigrani notify", version="1", lifespan=lifespan)
    install_common(app)
    return app
