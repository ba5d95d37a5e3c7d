"""Guarantee 5 at the socket: oversized and slow clients are answered and cut off.

These need a real server (ASGITransport hands the app a whole body at once), so intake
runs as `python -m nigrani_intake` on a loopback port with short deadlines, and the tests
speak HTTP/1.1 over raw sockets. Every loop is bounded; the deadlines under test are 2 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest

from tests.support.infra import Infra
from tests.support.processes import service_environment, service_process
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

DEADLINE_SECONDS = 2.0
MAX_BODY_BYTES = 64 * 1024
LOOKUPS_PER_WINDOW = 3


@pytest.fixture(scope="module")
async def intake_port(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[int]:
    prefix = f"t{uuid.uuid4().hex[:10]}"
    env = {
        **service_environment(infra, prefix),
        "EMBEDDED_WORKER": "false",
        "MAX_BODY_BYTES": str(MAX_BODY_BYTES),
        "HTTP_BODY_TIMEOUT_SECONDS": str(DEADLINE_SECONDS),
        "HTTP_HEADER_TIMEOUT_SECONDS": str(DEADLINE_SECONDS),
        "RATE_LIMIT_LOOKUP": str(LOOKUPS_PER_WINDOW),
    }
    async with service_process("intake", env, tmp_path_factory.mktemp("intake")) as intake:
        yield intake.port


@dataclass
class _Connection:
    """A raw client socket whose replies are collected in the background until the
    server closes the connection (EOF or reset)."""

    sock: socket.socket
    received: bytearray = field(default_factory=bytearray)
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    answered: asyncio.Event = field(default_factory=asyncio.Event)

    async def collect(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while chunk := await loop.sock_recv(self.sock, 65536):
                self.received += chunk
                self.answered.set()
        except ConnectionError:
            pass
        finally:
            self.closed.set()

    async def send(self, data: bytes) -> bool:
        """False once the server no longer takes data (closed, or not reading)."""
        try:
            await asyncio.wait_for(asyncio.get_running_loop().sock_sendall(self.sock, data), 5)
        except (ConnectionError, TimeoutError):
            return False
        return not self.closed.is_set()

    async def wait_closed(self, within: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.closed.wait(), within)

    @property
    def status(self) -> str:
        return bytes(self.received.split(b"\r\n", 1)[0]).decode("latin-1")


@contextlib.asynccontextmanager
async def _connect(port: int) -> AsyncIterator[_Connection]:
    loop = asyncio.get_running_loop()
    sock = socket.socket()
    sock.setblocking(False)
    await loop.sock_connect(sock, ("127.0.0.1", port))
    connection = _Connection(sock)
    reader = asyncio.create_task(connection.collect())
    try:
        yield connection
    finally:
        sock.close()
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader


def _request_head(port: int, *extra: str) -> bytes:
    lines = ["POST /v1/requests HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += ["Content-Type: application/json", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def test_an_oversized_chunked_body_gets_413_before_it_is_sent_and_is_cut_off(
    intake_port: int,
) -> None:
    chunk = b'"' + b"x" * (16 * 1024 - 2) + b'"'
    chunks = 256  # 4 MiB in all: 64 times the cap
    async with _connect(intake_port) as connection:
        assert await connection.send(_request_head(intake_port, "Transfer-Encoding: chunked"))
        sent, sent_when_answered = 0, None
        for _ in range(chunks):
            if connection.answered.is_set() and sent_when_answered is None:
                sent_when_answered = sent
            if not await connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk)):
                break
            sent += len(chunk)
            await asyncio.sleep(0.002)  # lets the reader see an early answer
        await connection.wait_closed(within=10)
        assert connection.status == "HTTP/1.1 413 Request Entity Too Large", connection.received
        assert connection.closed.is_set(), "the connection was kept open after the 413"
        assert b"connection: close" in connection.received.lower()
        assert sent_when_answered is not None, "no answer before the whole body was sent"
        # Kernel buffers take some bytes after the close; a server draining takes them all.
        assert sent - sent_when_answered < 1024 * 1024, "the server read the rest of the body"


async def test_a_body_trickled_slowly_gets_408_and_the_connection_closes(
    intake_port: int,
) -> None:
    async with _connect(intake_port) as connection:
        assert await connection.send(_request_head(intake_port, "Content-Length: 1000"))
        for _ in range(60):  # 15 s of trickling: far past the 2 s deadline
            if connection.answered.is_set() or not await connection.send(b" "):
                break
            await asyncio.sleep(0.25)
        await connection.wait_closed(within=5)
        assert connection.status == "HTTP/1.1 408 Request Timeout", connection.received
        assert connection.closed.is_set()


async def test_headers_trickled_slowly_get_408_and_the_connection_closes(
    intake_port: int,
) -> None:
    head = _request_head(intake_port, "X-Padding: " + "p" * 200)
    async with _connect(intake_port) as connection:
        for position in range(min(len(head) - 4, 60)):  # never completes the headers
            if connection.answered.is_set() or not await connection.send(
                head[position : position + 1]
            ):
                break
            await asyncio.sleep(0.25)
        await connection.wait_closed(within=5)
        assert connection.status == "HTTP/1.1 408 Request Timeout", connection.received
        assert connection.closed.is_set()


async def test_a_connection_that_sends_nothing_is_closed(intake_port: int) -> None:
    async with _connect(intake_port) as connection:
        await connection.wait_closed(within=DEADLINE_SECONDS * 4)
        assert connection.closed.is_set()
        assert connection.received == b""


async def test_the_header_deadline_applies_again_to_a_later_request_on_the_connection(
    intake_port: int,
) -> None:
    probe = f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{intake_port}\r\n\r\n".encode()
    async with _connect(intake_port) as connection:
        assert await connection.send(probe)
        first_answer = b'{"status":"ok"}'

        async def first_answer_complete() -> bool:
            return connection.received.endswith(first_answer)

        await eventually(first_answer_complete, within=10, interval=0.02, what="first answer")
        assert connection.status == "HTTP/1.1 200 OK"
        connection.received.clear()
        connection.answered.clear()
        # Each byte cancels uvicorn's keep-alive timer, so only the header deadline can fire.
        for byte in range(len(probe) - 2):  # never completes the headers
            if connection.answered.is_set() or not await connection.send(probe[byte : byte + 1]):
                break
            await asyncio.sleep(0.25)
        await connection.wait_closed(within=5)
        assert connection.status == "HTTP/1.1 408 Request Timeout", connection.received


async def test_an_answer_given_before_the_body_is_read_closes_the_connection(
    intake_port: int,
) -> None:
    head = _request_head(intake_port, "Content-Length: 1000").replace(b"/v1/requests", b"/nope")
    async with _connect(intake_port) as connection:
        assert await connection.send(head + b"{")
        await connection.wait_closed(within=DEADLINE_SECONDS)  # well before the body deadline
        assert connection.status == "HTTP/1.1 404 Not Found", connection.received
        assert connection.closed.is_set(), "the server waited to drain a body nobody reads"


async def test_a_forwarded_for_header_from_an_untrusted_peer_does_not_change_the_client(
    intake_port: int,
) -> None:
    """With no TRUSTED_PROXIES, the TCP peer is the client: uvicorn must not take the
    client from X-Forwarded-For itself (it would for loopback peers by default)."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{intake_port}") as client:
        answers = [
            await client.get(
                "/v1/requests/ABCD-EFGH-JKMN", headers={"X-Forwarded-For": f"203.0.113.{n}"}
            )
            for n in range(LOOKUPS_PER_WINDOW + 1)
        ]
    assert [a.status_code for a in answers][-1] == 429


async def test_a_body_framed_both_ways_is_refused(intake_port: int) -> None:
    """Content-Length and Transfer-Encoding together: a proxy and this server could cut
    the stream in different places (request smuggling)."""
    body = b'{"category": "roads.pothole", "description": "x"}'
    head = _request_head(intake_port, "Transfer-Encoding: chunked", f"Content-Length: {len(body)}")
    chunked = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
    async with _connect(intake_port) as connection:
        assert await connection.send(head + chunked)
        await connection.wait_closed(within=DEADLINE_SECONDS * 2)
        assert connection.status == "HTTP/1.1 400 Bad Request", connection.received
