"""Intake's consumer process: keeps the public timeline and the due times in step with the
lifecycle topic.

`python -m nigrani_intake.worker` runs it alone; by default it also runs inside the API
process (EMBEDDED_WORKER=true), which suits a single-machine deployment.
"""

from __future__ import annotations

from nigrani_shared.kafka.background import BackgroundConsumer
from nigrani_shared.kafka.topology import INTAKE_GROUP
from nigrani_shared.service import ServiceClients, consumer_for, run_worker
from nigrani_shared.settings import refused_settings_exit

from nigrani_intake.config import IntakeSettings
from nigrani_intake.indexes import INDEXES
from nigrani_intake.read_model import read_model_handlers

GROUP_ID = INTAKE_GROUP


def build_consumer(clients: ServiceClients) -> BackgroundConsumer:
    # "earliest": a new intake group rebuilds the public timeline from the whole history.
    # Its effects, the insert of the entry of the event's case version or of the due
    # times' generation, are naturally idempotent: no record of applied events is kept (it
    # would cost two more round trips).
    return consumer_for(
        clients,
        group_id=GROUP_ID,
        handlers=read_model_handlers(clients.db),
        start_from="earliest",
        dedupe="by_effect",
    )


if __name__ == "__main__":
    with refused_settings_exit():
        settings = IntakeSettings()
    run_worker(settings, INDEXES, build_consumer)
