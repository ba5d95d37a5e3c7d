"""`nigrani read-model rebuild`: a read model rebuilt from the lifecycle topic.

The topic is read from its beginning to its end (as it was when the rebuild started)
through the handlers of the group that keeps the read model, without joining that group
(nigrani_shared.kafka.history). Those handlers are idempotent, so a plain rebuild is safe
while the service runs: it restores what is missing and leaves what is there.
`--drop` first empties the read model's collections, which leaves the public view
incomplete until the rebuild ends: it is refused while any consumer of the group reads
the topic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated

import typer
from nigrani_shared.kafka.handling import Handler
from nigrani_shared.kafka.history import HistoryApplied, apply_history
from nigrani_shared.kafka.lag import offset_ranges, partitions_of
from nigrani_shared.kafka.membership import members_reading
from nigrani_shared.kafka.topology import INTAKE_GROUP
from nigrani_shared.settings import NigraniSettings
from nigrani_shared.store.client import Document, create_client
from pymongo.asynchronous.database import AsyncDatabase

from nigrani_cli.failures import FAILED, REFUSED, CommandFailed, fail, run, settings_or_refuse
from nigrani_cli.progress import progress_bar

app = typer.Typer(help="Read models kept from the lifecycle topic.", no_args_is_help=True)


@dataclass(frozen=True)
class ReadModel:
    """A read model: its keeper's settings, group, collections and handlers."""

    description: str
    group: str
    settings: Callable[[], NigraniSettings]
    collections: Callable[[], tuple[str, ...]]
    handlers: Callable[[AsyncDatabase[Document]], Mapping[str, Handler]]


def _intake_settings() -> NigraniSettings:
    from nigrani_intake.config import IntakeSettings

    return IntakeSettings()


def _intake_collections() -> tuple[str, ...]:
    from nigrani_intake.read_model import COLLECTIONS

    return COLLECTIONS


def _intake_handlers(db: AsyncDatabase[Document]) -> Mapping[str, Handler]:
    from nigrani_intake.read_model import read_model_handlers

    return read_model_handlers(db)


READ_MODELS = {
    "intake": ReadModel(
        description="intake's public timeline and status: case changes, due times and"
        " delivery outcomes (INTAKE_DATABASE)",
        group=INTAKE_GROUP,
        settings=_intake_settings,
        collections=_intake_collections,
        handlers=_intake_handlers,
    ),
}
NAMES = ", ".join(f"{name} ({model.description})" for name, model in READ_MODELS.items())


@app.command()
def rebuild(
    name: Annotated[str, typer.Argument(help=f"The read model: {NAMES}.")],
    drop: Annotated[
        bool,
        typer.Option(
            "--drop",
            help="Empty the read model's collections first; refused while its group's"
            " consumers run.",
        ),
    ] = False,
) -> None:
    """Rebuild a read model from the lifecycle topic, from its first event to its last."""
    model = READ_MODELS.get(name)
    if model is None:
        fail(f"refused: no read model {name!r}; there is {NAMES}", code=REFUSED)
    settings = settings_or_refuse(model.settings)
    outcome = run(_rebuild(model, settings, drop=drop))
    summary = (
        f"rebuilt {name} from {settings.lifecycle_topic}: {outcome.read} events read,"
        f" {outcome.applied} applied, {outcome.ignored} not for this read model"
    )
    if outcome.failed:
        failures = ", ".join(f"{kind} x{count}" for kind, count in outcome.failed.most_common())
        fail(
            f"{summary}; {sum(outcome.failed.values())} refused by the handlers ({failures}):"
            f" the live group dead-lettered them too (nigrani dead-letters replay --group"
            f" {model.group})",
            code=FAILED,
        )
    typer.echo(summary)


async def _rebuild(model: ReadModel, settings: NigraniSettings, *, drop: bool) -> HistoryApplied:
    bootstrap, topic = settings.kafka_bootstrap_servers, settings.lifecycle_topic
    if not await partitions_of(bootstrap, [topic]):  # a wrong prefix must not empty anything
        raise CommandFailed(
            f"refused: there is no topic {topic}; is TOPIC_PREFIX right?", code=REFUSED
        )
    if drop:
        beginnings, _ = await offset_ranges(bootstrap, [topic])
        if any(first > 0 for first in beginnings.values()):
            raise CommandFailed(
                f"refused: {topic} no longer holds its first events (retention or a deletion"
                f" removed them), so --drop would lose what they built; rebuild without --drop",
                code=REFUSED,
            )
        readers = await members_reading(bootstrap, model.group, topic)
        if readers:
            raise CommandFailed(
                f"refused: {readers} consumer(s) of group {model.group} read {topic}; stop"
                f" them first (workers, and APIs with EMBEDDED_WORKER), or rebuild without"
                f" --drop",
                code=REFUSED,
            )
    client = create_client(settings.mongodb_uri, app_name="nigrani-cli-rebuild")
    try:
        db = client[settings.database_name]
        if drop:
            for collection in model.collections():
                await db.drop_collection(collection)
        with progress_bar(f"rebuilding from {topic}") as bar:
            return await apply_history(bootstrap, topic, model.handlers(db), bar)
    finally:
        await client.close()
