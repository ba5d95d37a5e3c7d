"""Intake's app factory and lifespan: the one place its clients are built and closed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from nigrani_shared.service import embed_consumer, open_clients
from nigrani_shared.web.app import install_common, set_readiness_checks
from nigrani_shared.web.ratelimit import install_rate_limits, start_rate_limiter

from nigrani_intake.catalog.departments import load_departments
from nigrani_intake.catalog.districts import load_districts
from nigrani_intake.catalog.router import departments_router, districts_router
from nigrani_intake.catalog.router import router as catalog_router
from nigrani_intake.catalog.service import load_catalog
from nigrani_intake.config import IntakeSettings
from nigrani_intake.contacts.router import internal_router, public_router
from nigrani_intake.contacts.service import ContactService
from nigrani_intake.context import IntakeContext
from nigrani_intake.delay import repository as deadlines_repository
from nigrani_intake.errors import install_intake_errors
from nigrani_intake.followup import documents as action_documents
from nigrani_intake.followup import repository as messages_repository
from nigrani_intake.followup.access import CitizenAccess
from nigrani_intake.followup.derivation import ActionDerivation
from nigrani_intake.followup.router import internal_router as followup_internal_router
from nigrani_intake.followup.router import router as followup_router
from nigrani_intake.followup.rules import Windows
from nigrani_intake.followup.service import FollowUpService
from nigrani_intake.indexes import INDEXES
from nigrani_intake.notifications import repository as notifications_repository
from nigrani_intake.notifications.router import internal_router as notifications_router
from nigrani_intake.notifications.service import NotificationsService
from nigrani_intake.outbox import repository as outbox_repository
from nigrani_intake.outbox.relay import OutboxRelay
from nigrani_intake.outbox.signal import OutboxSignal
from nigrani_intake.submissions import derivation as submission_derivation
from nigrani_intake.submissions import repository as requests_repository
from nigrani_intake.submissions import timeline_repository
from nigrani_intake.submissions.derivation import SubmissionDerivation
from nigrani_intake.submissions.router import router as requests_router
from nigrani_intake.submissions.service import SubmissionService
from nigrani_intake.submissions.status_cache import PublicStatus, StatusCache
from nigrani_intake.worker import build_consumer


def create_app(settings: IntakeSettings) -> FastAPI:
    catalog = load_catalog(settings.catalog_path)
    districts = load_districts(settings.districts_path)
    departments = load_departments(settings.departments_path)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            clients = await stack.enter_async_context(open_clients(settings, INDEXES))
            await start_rate_limiter(
                app, stack, settings, db=clients.db, secret=settings.secret_key
            )
            requests = requests_repository.RequestsRepository(
                clients.db[requests_repository.COLLECTION]
            )
            outbox = outbox_repository.OutboxRepository(clients.db[outbox_repository.COLLECTION])
            timeline_entries = timeline_repository.TimelineRepository(
                clients.db[timeline_repository.COLLECTION]
            )
            deadlines = deadlines_repository.DeadlinesRepository(
                clients.db[deadlines_repository.COLLECTION]
            )
            notifications = notifications_repository.NotificationsRepository(
                clients.db[notifications_repository.COLLECTION]
            )
            outbox_signal = OutboxSignal()
            messages = messages_repository.MessagesRepository(
                clients.db[messages_repository.COLLECTION]
            )
            references = messages_repository.MessageReferences(
                clients.db[messages_repository.REFERENCES]
            )
            action_derivation = ActionDerivation(messages=messages, references=references)
            status_cache = StatusCache(
                ttl_seconds=settings.status_cache_ttl_seconds,
                max_entries=settings.status_cache_max_entries,
            )
            app.state.context = IntakeContext(
                catalog=catalog,
                districts=districts,
                departments=departments,
                submissions=SubmissionService(
                    catalog=catalog,
                    districts=districts,
                    departments=departments,
                    requests=requests,
                    outbox=outbox,
                    secret=settings.secret_key.get_secret_value().encode(),
                    topic=settings.lifecycle_topic,
                    signal=outbox_signal,
                    store_timeout_seconds=settings.store_timeout_seconds,
                ),
                contacts=ContactService(
                    requests=requests,
                    outbox=outbox,
                    signal=outbox_signal,
                    topic=settings.lifecycle_topic,
                    store_timeout_seconds=settings.store_timeout_seconds,
                ),
                internal_api_token=(
                    settings.internal_api_token.get_secret_value()
                    if settings.internal_api_token
                    else None
                ),
                public_status=PublicStatus(
                    requests=requests,
                    timeline=timeline_entries,
                    deadlines=deadlines,
                    catalog=catalog,
                    cache=status_cache,
                    store_timeout_seconds=settings.store_timeout_seconds,
                ),
                citizen_access=CitizenAccess(
                    requests=requests, store_timeout_seconds=settings.store_timeout_seconds
                ),
                followup=FollowUpService(
                    catalog=catalog,
                    messages=messages,
                    references=references,
                    timeline_entries=timeline_entries,
                    deadlines=deadlines,
                    notifications=notifications,
                    derivation=action_derivation,
                    outbox=outbox,
                    signal=outbox_signal,
                    secret=settings.secret_key.get_secret_value().encode(),
                    topic=settings.lifecycle_topic,
                    windows=Windows.of_days(
                        confirmation=settings.confirmation_window_days,
                        reopen=settings.reopen_window_days,
                    ),
                    store_timeout_seconds=settings.store_timeout_seconds,
                ),
                notifications=NotificationsService(
                    requests=requests,
                    notifications=notifications,
                    store_timeout_seconds=settings.store_timeout_seconds,
                ),
            )
            # Not Kafka: a submission is kept in the outbox while Kafka is away, so the API
            # stays in the load balancer for exactly that outage. The embedded consumer,
            # when there is one, still reports Kafka through its own check.
            checks = {"store": clients.readiness_checks()["store"]}
            relay = OutboxRelay(
                outbox=outbox,
                derivations={
                    submission_derivation.ENTRY_FIELD: SubmissionDerivation(requests).announces,
                    action_documents.ENTRY_FIELD: action_derivation.announces,
                },
                producer=clients.producer,
                signal=outbox_signal,
                batch_size=settings.relay_batch_size,
                foreign_grace_seconds=settings.relay_foreign_grace_seconds,
            )
            relay.start()
            stack.push_async_callback(relay.stop)
            if settings.embedded_worker:
                checks.update(embed_consumer(stack, build_consumer(clients)))
            set_readiness_checks(app, checks)
            yield

    app = FastAPI(title="Nigrani intake", version="1", lifespan=lifespan)
    install_common(app, limits=settings.http_limits)
    install_intake_errors(app)
    install_rate_limits(app)
    app.include_router(catalog_router)
    app.include_router(districts_router)
    app.include_router(departments_router)
    app.include_router(requests_router)
    app.include_router(public_router)
    app.include_router(internal_router)
    app.include_router(followup_router)
    app.include_router(followup_internal_router)
    app.include_router(notifications_router)
    return app
