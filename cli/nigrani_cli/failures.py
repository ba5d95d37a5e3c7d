"""How every command fails: one line on stderr and a non-zero exit, never a traceback and
never a secret.

Exit 2 is a refusal (bad settings, bad arguments, a layout the cluster cannot give): the
command would fail the same way again. Exit 1 is a failure that may pass later (the store
or the broker did not answer, or some of the work could not be done).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, NoReturn, TypeVar

import typer
from aiokafka.errors import KafkaError
from nigrani_shared.kafka.topics import TopicCreationError
from nigrani_shared.settings import refusal_line
from pydantic import ValidationError
from pymongo.errors import PyMongoError

_T = TypeVar("_T")
REFUSED = 2
FAILED = 1


class CommandFailed(Exception):
    """What a command says when it cannot do its job (the message is shown as it is)."""

    def __init__(self, message: str, *, code: int = FAILED) -> None:
        super().__init__(message)
        self.code = code


def fail(message: str, *, code: int = FAILED) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def settings_or_refuse(build: Callable[[], _T]) -> _T:
    """Settings from the environment, or one line naming the variables that are wrong."""
    try:
        return build()
    except ValidationError as error:
        fail(f"refused: {refusal_line(error)}", code=REFUSED)


def run(work: Coroutine[Any, Any, _T]) -> _T:
    """Runs a command's coroutine and turns what can go wrong into one line."""
    try:
        return asyncio.run(work)
    except CommandFailed as error:
        fail(str(error), code=error.code)
    except ValidationError as error:
        fail(f"refused: {refusal_line(error)}", code=REFUSED)
    except TopicCreationError as error:
        fail(f"refused: {error}", code=REFUSED)
    except PyMongoError as error:
        # The error's text may quote the URI (with its password): its type only.
        fail(f"the store did not answer ({type(error).__name__}); is MONGODB_URI right?")
    except (KafkaError, OSError) as error:
        fail(f"Kafka failed ({type(error).__name__}); is KAFKA_BOOTSTRAP_SERVERS right?")
    except Exception as error:  # one line, whatever it is: its text may quote a secret
        fail(f"failed: {type(error).__name__}")
