"""Per-client rate limits on the real intake app and store, with one and two replicas."""

from __future__ import annotations

import asyncio
import ipaddress
import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from nigrani_shared.ratelimit.limiter import RateLimiter, client_key
from nigrani_shared.ratelimit.store import MongoWindowStore
from nigrani_shared.ratelimit.windows import window_start
from prometheus_client import REGISTRY

from tests.support.infra import Infra
from tests.support.requests import water_request
from tests.support.system import System, client_at, intake_replica, running_system
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

CITIZEN = "203.0.113.7"
NEIGHBOUR = "203.0.113.8"
PROXY = "10.0.0.5"
UNKNOWN_CODE = "0000-0000-0000"


#: An hour, so that no test straddles a window boundary (the limiter's windows are aligned to
#: the clock; a boundary halfway through a test would split its counts).
WINDOW_SECONDS = 3600


def _limits(**limits: Any) -> dict[str, Any]:
    return {"rate_limit_sync_seconds": 0.05, "rate_limit_window_seconds": WINDOW_SECONDS, **limits}


def _refusals(bucket: str) -> float:
    return REGISTRY.get_sample_value("nigrani_rate_limited_total", {"bucket": bucket}) or 0.0


async def _submit(client: httpx.AsyncClient, **headers: str) -> httpx.Response:
    return await client.post("/v1/requests", json=water_request(), headers=headers)


def _assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 429
    assert response.json() == {
        "detail": "too many requests from this address; retry later",
        "errors": [],
    }
    assert 1 <= int(response.headers["Retry-After"]) <= 2 * WINDOW_SECONDS


async def test_the_submission_after_the_limit_is_refused_and_other_clients_are_not(
    infra: Infra,
) -> None:
    async with running_system(
        infra, with_routing=False, intake_overrides=_limits(rate_limit_submit=3)
    ) as system:
        citizen = client_at(system.intake_app, CITIZEN)
        neighbour = client_at(system.intake_app, NEIGHBOUR)
        before = _refusals("submit")
        accepted = [await _submit(citizen) for _ in range(3)]
        assert [r.status_code for r in accepted] == [201, 201, 201]
        refused = await _submit(citizen)
        _assert_refused(refused)
        assert _refusals("submit") == before + 1
        assert await system.intake_db["requests"].count_documents({}) == 3
        assert (await _submit(neighbour)).status_code == 201
        assert (await citizen.get(f"/v1/requests/{UNKNOWN_CODE}")).status_code == 404

        await _wait_until_stored(system, "submit", 4)
        stored = str(await system.intake_db["rate_limits"].find({}).to_list())
        assert CITIZEN not in stored
        assert NEIGHBOUR not in stored


async def test_lookups_have_their_own_limit(infra: Infra) -> None:
    async with running_system(
        infra, with_routing=False, intake_overrides=_limits(rate_limit_lookup=5)
    ) as system:
        citizen = client_at(system.intake_app, CITIZEN)
        code = (await _submit(citizen)).json()["tracking_code"]
        answers = [await citizen.get(f"/v1/requests/{code}") for _ in range(5)]
        assert [r.status_code for r in answers] == [200] * 5
        _assert_refused(await citizen.get(f"/v1/requests/{code}"))
        _assert_refused(await citizen.get(f"/v1/requests/{UNKNOWN_CODE}"))
        assert (await _submit(citizen)).status_code == 201
        neighbour = client_at(system.intake_app, NEIGHBOUR)
        assert (await neighbour.get(f"/v1/requests/{code}")).status_code == 200


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_count(
    infra: Infra,
) -> None:
    overrides = _limits(rate_limit_submit=2, trusted_proxies="10.0.0.0/8")
    async with running_system(infra, with_routing=False, intake_overrides=overrides) as system:
        proxy = client_at(system.intake_app, PROXY)
        for _ in range(2):
            assert (await _submit(proxy, **{"X-Forwarded-For": CITIZEN})).status_code == 201
        _assert_refused(await _submit(proxy, **{"X-Forwarded-For": CITIZEN}))
        spoofed = f"{NEIGHBOUR}, {CITIZEN}"  # the citizen claims to be somebody else
        _assert_refused(await _submit(proxy, **{"X-Forwarded-For": spoofed}))
        assert (await _submit(proxy, **{"X-Forwarded-For": NEIGHBOUR})).status_code == 201

        # A client that is not our proxy cannot choose its identity with the header.
        direct = client_at(system.intake_app, "198.51.100.20")
        statuses = [
            (await _submit(direct, **{"X-Forwarded-For": f"192.0.2.{n}"})).status_code
            for n in range(3)
        ]
        assert statuses == [201, 201, 429]


async def test_two_replicas_hold_one_limit_between_them(infra: Infra) -> None:
    async with (
        running_system(
            infra, with_routing=False, intake_overrides=_limits(rate_limit_submit=6)
        ) as system,
        intake_replica(system) as other_app,
    ):
        first = client_at(system.intake_app, CITIZEN)
        second = client_at(other_app, CITIZEN)
        statuses = [(await _submit(first)).status_code for _ in range(4)]
        assert statuses == [201] * 4
        await _wait_until_seen(other_app, CITIZEN, 4)

        statuses = [(await _submit(second)).status_code for _ in range(3)]
        assert statuses == [201, 201, 429]
        await _wait_until_seen(system.intake_app, CITIZEN, 6)
        _assert_refused(await _submit(first))

        neighbour = client_at(other_app, NEIGHBOUR)
        assert (await _submit(neighbour)).status_code == 201
        assert await system.intake_db["requests"].count_documents({}) == 7


async def test_replicas_writing_one_window_at_once_all_end_up_counted(infra: Infra) -> None:
    """FerretDB loses one of two concurrent updates of a document (and races upserts into
    a duplicate-key error): every replica's counts still reach the window's document, and
    every replica ends up seeing all of them."""
    async with running_system(infra, with_routing=False) as system:
        store = MongoWindowStore(system.intake_db["race"])
        replicas = [
            RateLimiter(
                limits={"submit": 100}, window_seconds=WINDOW_SECONDS, sync_seconds=1, store=store
            )
            for _ in range(8)
        ]
        for replica in replicas:
            assert replica.check("submit", "a").allowed

        async def everyone_sees_all() -> bool:
            await asyncio.gather(*(replica.sync() for replica in replicas))
            return all(replica.count("submit", "a") == len(replicas) for replica in replicas)

        await eventually(everyone_sees_all, within=20, interval=0, what="all counts seen")


async def _wait_until_stored(system: System, bucket: str, total: int) -> None:
    start = window_start(time.time(), system.intake_settings.rate_limit_window_seconds)

    async def stored_total() -> bool:
        document = await system.intake_db["rate_limits"].find_one({"_id": f"{bucket}:{start}"})
        if document is None:
            return False
        return sum(sum(counts.values()) for counts in document["r"].values()) >= total

    await eventually(stored_total, within=10, interval=0.02, what=f"{total} {bucket} stored")


async def _wait_until_seen(app: FastAPI, address: str, count: int) -> None:
    """Waits until `app`'s limiter counts `count` submissions from `address`, all
    replicas together."""
    limiting = app.state.rate_limiting
    key = client_key(ipaddress.ip_address(address), limiting.secret)

    async def seen() -> bool:
        return bool(limiting.limiter.count("submit", key) == count)

    await eventually(seen, within=10, interval=0.02, what=f"{count} submissions seen")
