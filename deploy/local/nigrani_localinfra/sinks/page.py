"""The page a person reads: every mail and SMS the sinks received, newest first.

Everything from a message is HTML-escaped. A mail's own HTML is served apart
(``/mails/<id>``) under a Content-Security-Policy that blocks scripts and remote content,
so it can be looked at as a mail client would show it (right-to-left for Urdu).
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from .inbox import Record

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; max-width: 60rem; }
article { border: 1px solid #ccc; border-radius: 6px; padding: .6rem 1rem; margin: .8rem 0; }
header { color: #555; font-size: .9rem; }
.kind { font-weight: bold; text-transform: uppercase; margin-right: .6rem; }
pre { white-space: pre-wrap; unicode-bidi: plaintext; font-family: inherit; }
h2 { font-size: 1.05rem; margin: .4rem 0; unicode-bidi: plaintext; }
"""


def render_page(records: Iterable[Record]) -> str:
    items = "\n".join(_item(record) for record in records) or "<p>Nothing received yet.</p>"
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta http-equiv='refresh' content='5'>"
        f"<title>Nigrani local mail and SMS</title><style>{_STYLE}</style></head><body>"
        "<h1>Mail and SMS received by the local sinks</h1>"
        f"{items}</body></html>"
    )


def _item(record: Record) -> str:
    when = escape(str(record.get("received_at", "")))
    if record.get("kind") == "mail":
        to = escape(", ".join(str(address) for address in record.get("to", [])))
        html_link = (
            f" · <a href='/mails/{escape(str(record['id']))}'>HTML part</a>"
            if record.get("html")
            else ""
        )
        return (
            f"<article class='mail'><header><span class='kind'>mail</span>"
            f"to {to} · {when} · {escape(str(record.get('language', '')))}{html_link}</header>"
            f"<h2>{escape(str(record.get('subject', '')))}</h2>"
            f"<pre>{escape(str(record.get('text') or ''))}</pre></article>"
        )
    sender = escape(str(record.get("from") or ""))
    return (
        f"<article class='sms'><header><span class='kind'>sms</span>"
        f"to {escape(str(record.get('to', '')))} · from {sender} · {when}</header>"
        f"<pre>{escape(str(record.get('text', '')))}</pre></article>"
    )
