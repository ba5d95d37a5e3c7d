"""The sinks' process: the SMTP sink and the HTTP server in one event loop, until SIGTERM.

python -m nigrani_localinfra.sinks --smtp-port 1025 --http-port 8025 --data-dir .run/sinks
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from ..ports import LOOPBACK
from .inbox import Inbox
from .smtp import smtp_protocol
from .web import create_app


async def serve(smtp_port: int, http_port: int, data_dir: Path) -> None:
    """Runs until uvicorn receives SIGTERM or SIGINT, then closes both servers."""
    inbox = Inbox(data_dir)
    await asyncio.to_thread(inbox.load)
    smtp = await asyncio.get_running_loop().create_server(
        lambda: smtp_protocol(inbox), LOOPBACK, smtp_port
    )
    config = uvicorn.Config(
        create_app(inbox),
        host=LOOPBACK,
        port=http_port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
    try:
        await uvicorn.Server(config).serve()
    finally:
        smtp.close()
        await smtp.wait_closed()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m nigrani_localinfra.sinks")
    parser.add_argument("--smtp-port", type=int, required=True)
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    # Extra arguments (the run marker `make down` looks for) are ignored.
    args, _ = parser.parse_known_args(argv)
    # aiosmtpd logs every command (addresses included) at INFO; the page is the record.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    asyncio.run(serve(args.smtp_port, args.http_port, args.data_dir.resolve()))
