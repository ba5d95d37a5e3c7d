"""The `nigrani` command: one Typer app, one sub-app per chore."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from nigrani_cli import dead_letters, lag, read_models, tokens, topics, webhooks

app = typer.Typer(
    name="nigrani",
    help="Nigrani's operator commands. Settings come from the environment, as for the"
    " services (KAFKA_BOOTSTRAP_SERVERS, MONGODB_URI, TOPIC_PREFIX, ENVIRONMENT, ...).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(topics.app, name="topics")
app.add_typer(dead_letters.app, name="dead-letters")
app.add_typer(tokens.app, name="tokens")
app.add_typer(webhooks.app, name="webhooks")
app.add_typer(read_models.app, name="read-model")
app.command("lag")(lag.lag)


@app.callback()
def _logging(
    verbose: Annotated[
        bool, typer.Option("--verbose", help="Show the libraries' log lines on stderr.")
    ] = False,
) -> None:
    """Library log lines (a broker that does not answer is logged once per attempt) would
    bury the one line a failed command prints: they are shown only when asked for."""
    root = logging.getLogger()
    if verbose:
        logging.basicConfig(level=logging.INFO)
    elif not root.handlers:
        root.addHandler(logging.NullHandler())
