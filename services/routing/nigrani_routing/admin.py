"""`python -m nigrani_routing.admin`: routing's operator commands (one subcommand each).

    python -m nigrani_routing.admin issue-token --subject S --role officer \\
        --department WASA-LHR --hours 8

prints a local HS256 staff token and nothing else, so it can be captured in a shell
variable. Settings come from the environment, as for the service.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, NoReturn

import typer
from nigrani_shared.auth.identity import Role
from nigrani_shared.auth.local_tokens import LocalTokenRefused, issue_local_token
from nigrani_shared.clock import utc_now
from pydantic import ValidationError

from nigrani_routing.config import RoutingSettings

app = typer.Typer(
    help="Routing service administration.", no_args_is_help=True, add_completion=False
)


@app.callback()
def _commands() -> None:
    """Keeps commands as subcommands even while there is only one."""


@app.command("issue-token")
def issue_token(
    subject: Annotated[str, typer.Option(help="The staff member's id (the `sub` claim).")],
    role: Annotated[list[Role], typer.Option(help="A role; repeat for several.")],
    department: Annotated[
        str | None, typer.Option(help="Department code; required unless only oversight.")
    ] = None,
    hours: Annotated[float, typer.Option(min=0.01, max=24, help="Lifetime in hours.")] = 8.0,
) -> None:
    """Issue a local (HS256) staff token. Refused in production."""
    try:
        settings = RoutingSettings()
        token = issue_local_token(
            settings,
            subject=subject,
            roles=role,
            department=department,
            lifetime=timedelta(hours=hours),
            now=utc_now(),
        )
    except ValidationError as exc:
        # Only the messages: pydantic's full text quotes the input, secrets included.
        _refuse("; ".join(error["msg"] for error in exc.errors()))
    except LocalTokenRefused as exc:
        _refuse(str(exc))
    typer.echo(token)


def _refuse(reason: str) -> NoReturn:
    typer.echo(f"refused: {reason}", err=True)
    raise typer.Exit(2)


if __name__ == "__main__":
    app()
