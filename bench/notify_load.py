"""Submissions for the notify bench, through intake, each with an e-mail address and a
phone (so each owes the citizen a `received` message on both channels), and waits on what
the lifecycle topic shows of them."""

from __future__ import annotations

import asyncio
import time

import aiohttp
from nigrani_localinfra.system import SERVICES
from nigrani_notify.messages import Channel

from bench.load import BODY, closed_loop, post_request
from bench.notify_watch import LifecycleWatch, Submitted

INTAKE = next(s for s in SERVICES if s.name == "intake")
CHANNELS: tuple[Channel, ...] = ("email", "sms")
CONTACT_BODY = {
    **BODY,
    "contact": {
        "name": "Bench Citizen",
        "phone": "+923001234567",
        "email": "citizen@example.org",
        "language": "en",
    },
}


async def burst(requests: int, concurrency: int) -> tuple[float, list[str]]:
    """As fast as intake takes them: its rate, and the tracking codes."""
    rate, codes = await closed_loop(
        INTAKE.url, requests=requests, concurrency=concurrency, body=CONTACT_BODY
    )
    return rate.per_second, codes


async def paced(rate: float, seconds: float) -> list[str]:
    """One submission every 1/rate seconds, whatever the answers do."""
    async with aiohttp.ClientSession(INTAKE.url) as session:
        begin = time.perf_counter()
        tasks = []
        for n in range(int(rate * seconds)):
            delay = begin + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post_request(session, CONTACT_BODY)))
        return list(await asyncio.gather(*tasks))


async def warm_up(watch: LifecycleWatch) -> None:
    """Notify's group starts at the newest offset once it has joined: submissions before
    that are never its business. One a second until the first is delivered, then 20."""
    async with aiohttp.ClientSession(INTAKE.url) as session:
        deadline = time.monotonic() + 90
        while not watch.ended:
            if time.monotonic() > deadline:
                raise RuntimeError("notify delivered nothing within 90 s of its start")
            await post_request(session, CONTACT_BODY)
            await asyncio.sleep(1.0)
    _, codes = await burst(20, 4)
    await settled(watch, codes, within=60)


async def submitted(watch: LifecycleWatch, codes: list[str], within: float = 60) -> list[Submitted]:
    """The `request.submitted` events of these requests, once the watcher has read them."""
    deadline = time.monotonic() + within
    while not all(code in watch.submitted for code in codes):
        if time.monotonic() > deadline:
            raise RuntimeError("submitted events missing from the lifecycle topic")
        await asyncio.sleep(0.1)
    return [watch.submitted[code] for code in codes]


async def settled(watch: LifecycleWatch, codes: list[str], within: float) -> int:
    """Waits for every delivery of these requests to be announced; how many were."""
    events = await submitted(watch, codes)
    keys = {event.key(channel) for event in events for channel in CHANNELS}
    await watch.until(keys, within)
    return len(keys & watch.ended.keys())
