"""`nigrani tokens`: local staff tokens, for development and for a deployment without an
identity provider (refused in production, where the provider signs them)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from nigrani_shared.auth.identity import Role
from nigrani_shared.auth.local_tokens import LocalTokenRefused, issue_local_token
from nigrani_shared.clock import utc_now

from nigrani_cli.failures import REFUSED, fail, settings_or_refuse

app = typer.Typer(help="Staff tokens.", no_args_is_help=True)


@app.callback()
def _commands() -> None:
    """Keeps `issue` a subcommand while it is the only one."""


@app.command()
def issue(
    subject: Annotated[str, typer.Option(help="The staff member's id (the `sub` claim).")],
    role: Annotated[list[Role], typer.Option(help="A role; repeat for several.")],
    department: Annotated[
        str | None, typer.Option(help="Department code; required unless only oversight.")
    ] = None,
    hours: Annotated[float, typer.Option(min=0.01, max=24, help="Lifetime in hours.")] = 8.0,
) -> None:
    """Issue a local (HS256) staff token; refused in production.

    Signed with routing's STAFF_JWT_SECRET and printed alone, so that a shell can capture
    it."""
    from nigrani_routing.config import RoutingSettings

    settings = settings_or_refuse(RoutingSettings)
    try:
        token = issue_local_token(
            settings,
            subject=subject,
            roles=role,
            department=department,
            lifetime=timedelta(hours=hours),
            now=utc_now(),
        )
    except LocalTokenRefused as refusal:
        fail(f"refused: {refusal}", code=REFUSED)
    typer.echo(token)
