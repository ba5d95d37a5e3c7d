"""Intake's read model: what its consumer derives from the lifecycle topic (the public
timeline, the SLA due times the public status shows, and how notify's deliveries ended).

Named here once, so the worker and `nigrani read-model rebuild intake` apply the lifecycle
events through the very same handlers into the very same collections. The requests
themselves are not part of it: intake writes them when it accepts a submission, and
nothing on the topic could bring one back.
"""

from __future__ import annotations

from nigrani_shared.kafka.runtime import Handler
from nigrani_shared.store.client import Document
from pymongo.asynchronous.database import AsyncDatabase

from nigrani_intake.delay import repository as deadlines_repository
from nigrani_intake.handlers import build_handlers
from nigrani_intake.notifications import repository as notifications_repository
from nigrani_intake.submissions import repository as requests_repository
from nigrani_intake.submissions import timeline_repository

#: The collections the consumer alone writes: dropping them loses nothing the lifecycle
#: topic cannot give back.
COLLECTIONS = (
    timeline_repository.COLLECTION,
    deadlines_repository.COLLECTION,
    notifications_repository.COLLECTION,
)


def read_model_handlers(db: AsyncDatabase[Document]) -> dict[str, Handler]:
    """The consumer's handlers, writing into `db`."""
    return build_handlers(
        requests_repository.RequestsRepository(db[requests_repository.COLLECTION]),
        timeline_repository.TimelineRepository(db[timeline_repository.COLLECTION]),
        deadlines_repository.DeadlinesRepository(db[deadlines_repository.COLLECTION]),
        notifications_repository.NotificationsRepository(db[notifications_repository.COLLECTION]),
    )
