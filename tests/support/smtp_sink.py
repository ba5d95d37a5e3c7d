"""A real SMTP server (aiosmtpd) in the test's own event loop, on a free port.

    async with SmtpSink() as sink:                        # plain SMTP
    async with SmtpSink(tls=server_tls(cert)) as sink:    # STARTTLS offered (and required)
    async with SmtpSink(tls=..., implicit_tls=True):      # TLS from the first byte
    async with SmtpSink(tls=..., credentials=("u", "p")): # AUTH required (after TLS)

`sink.mails` holds what was accepted, parsed with the `email` package. `fail_next(n, code)`
makes the next n recipients (or messages, `at="data"`) be refused with that code;
`delay_next(n, seconds)` holds the next n answers to DATA that long (a slow server).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, Literal, Self, cast

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.support.waiting import eventually, holds


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: Sequence[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return cast(EmailMessage, message_from_bytes(self.data, policy=policy.default))

    def part(self, content_type: str) -> str:
        """The decoded body of the first part of that type ("text/plain", "text/html"),
        with the canonical CRLF line ends of a base64 text part read back as "\n"."""
        for part in self.message.walk():
            if part.get_content_type() == content_type and not part.is_multipart():
                return str(cast(EmailMessage, part).get_content()).replace("\r\n", "\n")
        raise AssertionError(f"no {content_type} part")


@dataclass
class _Fault:
    count: int
    code: int = 0
    at: Literal["rcpt", "data"] = "rcpt"
    delay: float = 0.0


@dataclass
class _Handler:
    sink: SmtpSink
    faults: list[_Fault] = field(default_factory=list)

    def _take(self, at: str) -> _Fault | None:
        for fault in self.faults:
            if fault.at == at and fault.count > 0:
                fault.count -= 1
                return fault
        return None

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        fault = self._take("rcpt")
        if fault is not None:
            return f"{fault.code} Requested action not taken: {address}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        fault = self._take("data")
        if fault is not None and fault.delay:
            await asyncio.sleep(fault.delay)
        elif fault is not None:
            return f"{fault.code} Message refused"
        self.sink.mails.append(
            ReceivedMail(
                mail_from=str(envelope.mail_from),
                rcpt_tos=list(envelope.rcpt_tos),
                data=bytes(envelope.original_content or b""),
            )
        )
        return "250 Message accepted for delivery"


class SmtpSink:
    def __init__(
        self,
        *,
        tls: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self.host = "127.0.0.1"
        self.port = 0
        self.mails: list[ReceivedMail] = []
        self.logins: list[str] = []
        self._tls = tls
        self._implicit_tls = implicit_tls
        self._credentials = credentials
        self._handler = _Handler(self)
        self._server: asyncio.Server | None = None

    def fail_next(self, count: int, code: int, *, at: Literal["rcpt", "data"] = "rcpt") -> None:
        self._handler.faults.append(_Fault(count, code, at))

    def delay_next(self, count: int, seconds: float) -> None:
        self._handler.faults.append(_Fault(count, at="data", delay=seconds))

    async def wait_for(self, count: int, within: float = 10.0) -> list[ReceivedMail]:
        await eventually(holds(lambda: len(self.mails) >= count), within=within, what="mails")
        return self.mails

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert self._credentials is not None
        if isinstance(data, LoginPassword):
            login, password = data.login.decode(), data.password.decode()
            if (login, password) == self._credentials:
                self.logins.append(login)
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    def _protocol(self) -> SMTP:
        starttls = self._tls if not self._implicit_tls else None
        return SMTP(
            self._handler,
            hostname="sink.test",
            tls_context=starttls,
            require_starttls=starttls is not None,
            enable_SMTPUTF8=True,
            auth_required=self._credentials is not None,
            authenticator=self._authenticate if self._credentials else None,
        )

    async def __aenter__(self) -> Self:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.host, 0))
        self.port = int(sock.getsockname()[1])
        self._server = await asyncio.get_running_loop().create_server(
            self._protocol, sock=sock, ssl=self._tls if self._implicit_tls else None
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()
