"""`nigrani webhooks`: notify's webhook subscriptions (this command is their only writer).

`add` and `rotate` print the secret once (it is never shown again); `list` never prints
secrets. Settings come from the environment, as for notify (MONGODB_URI, NOTIFY_DATABASE,
ENVIRONMENT: plain http targets are refused in production).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import pymongo
import typer
from nigrani_shared.store.client import create_client

from nigrani_cli.failures import REFUSED, CommandFailed, run, settings_or_refuse

if TYPE_CHECKING:
    from nigrani_notify.config import NotifySettings
    from nigrani_notify.webhooks.store import SubscriptionStore
    from nigrani_notify.webhooks.subscription import Subscription

#: How long a command waits for the store before it says the store is unreachable.
STORE_TIMEOUT_SECONDS = 4.0

app = typer.Typer(help="Webhook subscriptions (Standard Webhooks).", no_args_is_help=True)
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
    from nigrani_notify.config import NotifySettings

    return settings_or_refuse(NotifySettings)


def _run(settings: NotifySettings, command: Callable[[SubscriptionStore], Awaitable[_T]]) -> _T:
    from nigrani_notify.webhooks.store import (
        COLLECTION,
        SubscriptionStore,
        UnknownSubscriptionError,
    )
    from nigrani_notify.webhooks.subscription import InvalidSubscriptionError

    async def work() -> _T:
        client = create_client(settings.mongodb_uri, app_name="nigrani-cli-webhooks")
        try:
            with pymongo.timeout(STORE_TIMEOUT_SECONDS):
                return await command(SubscriptionStore(client[settings.database_name][COLLECTION]))
        except InvalidSubscriptionError as error:
            raise CommandFailed(f"refused: {error}", code=REFUSED) from error
        except UnknownSubscriptionError as error:
            raise CommandFailed(f"no subscription has the id {error}") from error
        finally:
            await client.close()

    return run(work())
