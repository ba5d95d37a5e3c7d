"""`nigrani topics`: the topics the system uses, created before the services start."""

from __future__ import annotations

import typer
from aiokafka.admin import AIOKafkaAdminClient
from nigrani_shared.kafka.lag import describe_existing
from nigrani_shared.kafka.topics import ensure_topics
from nigrani_shared.kafka.topology import system_topics

from nigrani_cli.failures import run
from nigrani_cli.settings import shared_settings

app = typer.Typer(help="The system's Kafka topics.", no_args_is_help=True)


@app.command()
def create() -> None:
    """Create every topic the system uses.

    The lifecycle topic and each consumer group's dead-letter topic, with
    KAFKA_TOPIC_PARTITIONS, KAFKA_REPLICATION_FACTOR and KAFKA_MIN_INSYNC_REPLICAS. Topics
    that exist are left as they are, so it is safe to run again."""
    settings = shared_settings()
    layout = settings.topic_layout
    ensured = run(ensure_topics(settings.kafka_bootstrap_servers, system_topics(settings), layout))
    for name in ensured.created:
        typer.echo(f"created  {name}")
    for name in ensured.existing:
        typer.echo(f"exists   {name}")
    typer.echo(
        f"{len(ensured.created)} created, {len(ensured.existing)} already there"
        f" (new topics: {layout.partitions} partitions, replication factor"
        f" {layout.replication_factor}, min.insync.replicas {layout.min_insync_replicas})"
    )


@app.command("list")
def list_topics() -> None:
    """Show each topic the system uses as the cluster has it (partitions, replicas)."""
    settings = shared_settings()
    names = system_topics(settings)
    layouts = run(_described(settings.kafka_bootstrap_servers, names))
    for name in names:
        layout = layouts.get(name)
        if layout is None:
            typer.echo(f"missing  {name}")
        else:
            typer.echo(f"exists   {name}  partitions {layout[0]}, replication factor {layout[1]}")


async def _described(bootstrap_servers: str, names: list[str]) -> dict[str, tuple[int, int]]:
    """Partitions and the smallest replica count, of each topic that exists."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        described = await describe_existing(admin, names)
    finally:
        await admin.close()
    return {
        topic["topic"]: (
            len(topic["partitions"]),
            min(len(partition["replicas"]) for partition in topic["partitions"]),
        )
        for topic in described
        if topic["partitions"]
    }
