"""Intake's consumer process: keeps the public timeline and the due times in step with the
lifecycle topic.

`python -m nigrani_intake.worker` runs it alone; by default it also runs inside the API
process (EMBEDDED_WORKER=true), which suits a single-machine deployment.
"""

from __future__ import annotations

from nigrani_shared.kafka.background import BackgroundConsumer
from nigrani_shared.service import ServiceClients, consumer_for, run_worker

from nigrani_intake.config import IntakeSettings
from nigrani_intake.delay import repository as deadlines_repository
from nigrani_intake.handlers import build_handlers
from nigrani_intake.indexes import INDEXES
from nigrani_intake.notifications import repository as notifications_repository
from nigrani_intake.submissions import repository as requests_repository
from nigrani_intake.submissions import timeline_repository

GROUP_ID = "intake"


def build_consumer(clients: ServiceClients) -> BackgroundConsumer:
    requests = requests_repository.RequestsRepository(clients.db[requests_repository.COLLECTION])
    entries = timeline_repository.TimelineRepository(clients.db[timeline_repository.COLLECTION])
    deadlines = deadlines_repository.DeadlinesRepository(
        clients.db[deadlines_repository.COLLECTION]
    )
    notifications = notifications_repository.NotificationsRepository(
        clients.db[notifications_repository.COLLECTION]
    )
    # "earliest": a new intake group rebuilds the public timeline from the whole history.
    # Its effects, the insert of the entry of the event's case version or of the due
    # times' generation, are naturally idempotent: no record of applied events is kept (it
    # would cost two more round trips).
    return consumer_for(
        clients,
        group_id=GROUP_ID,
        handlers=build_handlers(requests, entries, deadlines, notifications),
        start_from="earliest",
        dedupe="by_effect",
    )


if __name__ == "__main__":
    run_worker(IntakeSettings(), INDEXES, build_consumer)
