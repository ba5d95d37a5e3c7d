"""Staff through the API: officers acting on cases (each action a POST with an
Idempotency-Key), and timed reads of the department queue's first page.

Tokens are issued the way `tests/support/staff.py` issues them: local HS256 tokens with
the routing settings' secret (the development default unless the environment sets one).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

import aiohttp
from nigrani_routing.config import RoutingSettings
from nigrani_shared.auth.identity import Role
from nigrani_shared.auth.local_tokens import issue_local_token
from nigrani_shared.clock import utc_now

from bench.stats import Rate, percentile

Step = tuple[str, dict[str, object]]

# claim -> start -> note: the first minutes of an officer's work on a case.
WORK: tuple[Step, ...] = (
    ("claim", {}),
    ("transitions", {"action": "start"}),
    ("notes", {"internal_note": "Called the area supervisor; crew scheduled."}),
)
ASK_CITIZEN: tuple[Step, ...] = (
    (
        "transitions",
        {"action": "request_information", "public_note": "Which house number is affected?"},
    ),
)


def staff_headers(subject: str, department: str | None, *roles: Role) -> dict[str, str]:
    token = issue_local_token(
        RoutingSettings(),
        subject=subject,
        roles=list(roles or (Role.OFFICER,)),
        department=department,
        lifetime=timedelta(hours=1),
        now=utc_now(),
    )
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class Timed:
    rate: Rate
    latencies: list[float]
    errors: dict[int, int]

    def summary(self) -> dict[str, object]:
        return {
            "count": self.rate.count,
            "per_s": round(self.rate.per_second, 1),
            "p50_ms": round(percentile(self.latencies, 0.50) * 1000, 1),
            "p99_ms": round(percentile(self.latencies, 0.99) * 1000, 1),
            "errors": {str(status): n for status, n in self.errors.items()},
        }


async def officers(
    url: str, cases: dict[str, str], steps: tuple[Step, ...], *, concurrency: int
) -> Timed:
    """`concurrency` officers, officer-<n> taking every n-th case (so the same officer
    comes back to a case it claimed) and doing `steps` on it in turn; every POST is one
    timed action."""
    latencies: list[float] = []
    errors: dict[int, int] = {}
    codes = list(cases)
    async with aiohttp.ClientSession(url) as session:

        async def officer(n: int) -> None:
            tokens: dict[str, dict[str, str]] = {}
            for code in codes[n::concurrency]:
                department = cases[code]
                if department not in tokens:
                    tokens[department] = staff_headers(f"officer-{n}", department)
                for path, body in steps:
                    headers = {**tokens[department], "Idempotency-Key": uuid.uuid4().hex}
                    started = time.perf_counter()
                    async with session.post(
                        f"/staff/v1/cases/{code}/{path}", json=body, headers=headers
                    ) as response:
                        await response.read()
                        status = response.status
                    latencies.append(time.perf_counter() - started)
                    if status != 200:
                        errors[status] = errors.get(status, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(officer(n) for n in range(concurrency)))
        return Timed(Rate(len(latencies), time.perf_counter() - started), latencies, errors)


async def timed_gets(
    url: str, path: str, headers: dict[str, str], *, requests: int, warm_up: int = 10
) -> Timed:
    """One client, `requests` GETs of `path` back to back (after a few not counted)."""
    latencies: list[float] = []
    errors: dict[int, int] = {}
    async with aiohttp.ClientSession(url, headers=headers) as session:
        for n in range(warm_up + requests):
            started = time.perf_counter()
            async with session.get(path) as response:
                await response.read()
                status = response.status
            if n >= warm_up:
                latencies.append(time.perf_counter() - started)
                if status != 200:
                    errors[status] = errors.get(status, 0) + 1
        return Timed(Rate(len(latencies), sum(latencies)), latencies, errors)
