"""`python -m nigrani_notify.webhooks`: the admin command that manages webhook
subscriptions (the only writer of them).

    python -m nigrani_notify.webhooks add --url https://example.org/hook \\
        --events 'org.nigrani.sla.*' --events org.nigrani.request.routed.v2 \\
        --description "Ombudsman dashboard"
    python -m nigrani_notify.webhooks list | disable ID | enable ID | rotate ID | remove ID

`add` and `rotate` print the secret once (it is never shown again); `list` never prints
secrets. Settings come from the environment, as for the service (MONGODB_URI,
NOTIFY_DATABASE, ENVIRONMENT: plain http targets are refused in production). Each command
is a thin call of the subscription store, so a wider `nigrani` CLI can fold them in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, NoReturn, TypeVar

import pymongo
import typer
from nigrani_shared.store.client import create_client
from pydantic import ValidationError
from pymongo.errors import PyMongoError

from nigrani_notify.config import NotifySettings
from nigrani_notify.webhooks.store import COLLECTION, SubscriptionStore, UnknownSubscriptionError
from nigrani_notify.webhooks.subscription import InvalidSubscriptionError, Subscription

#: How long a command waits for the store before it says the store is unreachable.
STORE_TIMEOUT_SECONDS = 4.0

app = typer.Typer(
    help="Webhook subscriptions (Standard Webhooks).", no_args_is_help=True, add_completion=False
)
_T = TypeVar("_T")
SubscriptionId = Annotated[str, typer.Argument(help="The subscription's id (sub_...).")]


@app.command()
def add(
    url: Annotated[str, typer.Option(help="Where to POST (https; http outside production).")],
    events: Annotated[
        list[str],
        typer.Option(help="An event type, or a prefix ending in * (repeat for several)."),
    ],
    description: Annotated[str, typer.Option(help="Who this is for.")] = "",
) -> None:
    """Add a subscription and print its secret (shown only this once)."""
    settings = _settings()
    allow_http = settings.environment != "production"
    created = _run(
        settings,
        lambda store: store.add(
            url=url, event_types=events, description=description, allow_http=allow_http
        ),
    )
    typer.echo(f"added {created.id}")
    _echo_secret(created)


@app.command("list")
def list_subscriptions() -> None:
    """List subscriptions (never their secrets)."""
    for subscription in _run(_settings(), lambda store: store.all()):
        typer.echo(describe(subscription))


@app.command()
def disable(subscription_id: SubscriptionId) -> None:
    """Stop deliveries to a subscription (kept, and can be enabled again)."""
    done = _run(_settings(), lambda store: store.set_disabled(subscription_id, True))
    typer.echo(f"disabled {done.id}")


@app.command()
def enable(subscription_id: SubscriptionId) -> None:
    """Resume deliveries (also after the receiver answered 410 Gone)."""
    done = _run(_settings(), lambda store: store.set_disabled(subscription_id, False))
    typer.echo(f"enabled {done.id}")


@app.command()
def rotate(subscription_id: SubscriptionId) -> None:
    """Give a subscription a new secret; the old one keeps signing for 24 hours."""
    rotated = _run(_settings(), lambda store: store.rotate(subscription_id))
    typer.echo(f"rotated {rotated.id}: the previous secret stays valid for 24 hours")
    _echo_secret(rotated)


@app.command()
def remove(subscription_id: SubscriptionId) -> None:
    """Delete a subscription for good."""
    _run(_settings(), lambda store: store.remove(subscription_id))
    typer.echo(f"removed {subscription_id}")


def describe(subscription: Subscription) -> str:
    """One line per subscription, without its secrets."""
    state = f"disabled ({subscription.disabled_reason})" if subscription.disabled else "active"
    return "  ".join(
        (
            subscription.id,
            state,
            subscription.url,
            ",".join(subscription.event_types),
            subscription.created_at.isoformat(timespec="seconds"),
            subscription.description,
        )
    ).rstrip()


def _echo_secret(subscription: Subscription) -> None:
    typer.echo(f"secret: {subscription.secret}")
    typer.echo("store it now: it is never shown again")


def _settings() -> NotifySettings:
    try:
        return NotifySettings()
    except ValidationError as error:
        # Only the messages: pydantic's full text quotes the input, secrets included.
        _fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()))


def _run(settings: NotifySettings, command: Callable[[SubscriptionStore], Awaitable[_T]]) -> _T:
    async def run() -> _T:
        client = create_client(settings.mongodb_uri, app_name="nigrani-notify-webhooks")
        try:
            with pymongo.timeout(STORE_TIMEOUT_SECONDS):
                return await command(SubscriptionStore(client[settings.database_name][COLLECTION]))
        finally:
            await client.close()

    try:
        return asyncio.run(run())
    except InvalidSubscriptionError as error:
        _fail(f"refused: {error}", code=2)
    except UnknownSubscriptionError as error:
        _fail(f"no subscription has the id {error}")
    except PyMongoError as error:
        # The error's text may quote the URI (with its password): its type only.
        _fail(
            f"the store did not answer within {STORE_TIMEOUT_SECONDS:g} s "
            f"({type(error).__name__}); is MONGODB_URI right?"
        )


def _fail(message: str, *, code: int = 1) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)
