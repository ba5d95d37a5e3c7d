"""Progress of a long bench step on stderr: a rich bar on a terminal, plain lines (every
tenth of the work, with the rate so far) when stderr is a file or a pipe, so a log of a
run that takes minutes still shows where it was."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

CONSOLE = Console(stderr=True)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Advance(Protocol):
    def __call__(self, done: int) -> None: ...


@contextmanager
def progress(what: str, total: int) -> Iterator[Advance]:
    """Yields `advance(done)`, to be called with the units just finished."""
    if CONSOLE.is_terminal:
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=CONSOLE) as bar:
            task = bar.add_task(what, total=total)
            yield lambda done: bar.advance(task, done)
        return
    started = time.perf_counter()
    state = {"done": 0, "next": max(total // 10, 1)}

    def advance(done: int) -> None:
        state["done"] += done
        if state["done"] >= state["next"] or state["done"] >= total:
            elapsed = time.perf_counter() - started
            rate = state["done"] / elapsed if elapsed else 0.0
            say(f"  {what}: {state['done']:,} of {total:,} ({rate:,.0f}/s, {elapsed:.0f} s)")
            state["next"] += max(total // 10, 1)

    yield advance
