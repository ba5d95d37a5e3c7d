"""The HTTP side of the sinks: the page, a JSON feed of the same records, a mail's HTML
part, and ``POST /sms``, a gateway that takes the JSON our SmsSender sends by default
(``{"to", "text", "from"}`` and an ``Idempotency-Key`` header) and honours the key as a
real gateway should: a repeat is answered like the first and not kept twice."""

from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from .inbox import Inbox
from .page import render_page

HEALTH_PREFIX = "nigrani-sinks"


def health_text(inbox: Inbox) -> str:
    """Names the data directory, so that `up` knows it is its own sinks that answer."""
    return f"{HEALTH_PREFIX} {inbox.data_dir}"


_MAIL_HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def create_app(inbox: Inbox) -> Starlette:
    async def page(request: Request) -> Response:
        return HTMLResponse(render_page(inbox.newest_first()))

    async def messages(request: Request) -> Response:
        return JSONResponse(inbox.newest_first())

    async def mail_html(request: Request) -> Response:
        record = inbox.find(request.path_params["record_id"])
        if record is None or record.get("kind") != "mail" or not record.get("html"):
            return PlainTextResponse("no such mail", status_code=404)
        return HTMLResponse(
            str(record["html"]), headers={"Content-Security-Policy": _MAIL_HTML_POLICY}
        )

    async def sms(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
        except ValueError:
            return JSONResponse({"error": "the body must be JSON"}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"error": "the body must be a JSON object"}, status_code=400)
        to, text = body.get("to"), body.get("text")
        if not isinstance(to, str) or not isinstance(text, str) or not to:
            return JSONResponse({"error": "'to' and 'text' must be strings"}, status_code=400)
        key = request.headers.get("idempotency-key")
        if key:
            existing = inbox.sms_for_key(key)
            if existing is not None:
                return JSONResponse({"id": existing, "duplicate": True})
        sender = body.get("from") if isinstance(body.get("from"), str) else None
        record = await inbox.add("sms", {"to": to, "text": text, "from": sender, "key": key})
        return JSONResponse({"id": record["id"]})

    async def healthz(request: Request) -> Response:
        return PlainTextResponse(health_text(inbox))

    return Starlette(
        routes=[
            Route("/", page),
            Route("/api/messages", messages),
            Route("/mails/{record_id}", mail_html),
            Route("/sms", sms, methods=["POST"]),
            Route("/healthz", healthz),
        ]
    )
