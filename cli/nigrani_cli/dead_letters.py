"""`nigrani dead-letters`: a consumer group's dead letters, sent back once the cause is
fixed (nigrani_shared.kafka.replay)."""

from __future__ import annotations

from typing import Annotated

import typer
from nigrani_shared.kafka.replay import ReplayResult, replay_dead_letters, waiting_dead_letters
from nigrani_shared.kafka.topology import CONSUMER_GROUPS
from nigrani_shared.settings import NigraniSettings

from nigrani_cli.failures import REFUSED, CommandFailed, run
from nigrani_cli.progress import progress_bar
from nigrani_cli.settings import shared_settings

app = typer.Typer(help="Dead letters: events a consumer group gave up on.", no_args_is_help=True)


@app.command()
def replay(
    group: Annotated[
        str,
        typer.Option(
            help=f"The consumer group whose dead letters to replay ({', '.join(CONSUMER_GROUPS)})."
        ),
    ],
    limit: Annotated[int | None, typer.Option(min=1, help="Stop after this many.")] = None,
) -> None:
    """Send a group's dead letters back to the topics they came from.

    What was replayed
    is remembered (by the consumer group GROUP-dlq-replay), so running it again replays
    only newer dead letters; consumers recognise events they already applied."""
    settings = shared_settings()
    result = run(_replay(settings, group, limit))
    typer.echo(f"replayed {result.replayed} dead letters of {group}; skipped {result.skipped}")


async def _replay(settings: NigraniSettings, group: str, limit: int | None) -> ReplayResult:
    if await waiting_dead_letters(settings, group) is None:
        raise CommandFailed(
            f"refused: no dead-letter topic {settings.dead_letter_topic(group)}"
            f" (the system's groups: {', '.join(CONSUMER_GROUPS)}; is TOPIC_PREFIX right?)",
            code=REFUSED,
        )
    with progress_bar(f"replaying {group}") as bar:
        return await replay_dead_letters(settings, group, limit=limit, progress=bar)
