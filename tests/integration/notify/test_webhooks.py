"""Signed webhooks to a real HTTP receiver that verifies them with the `standardwebhooks`
library, subscriptions in the real store: a rotation keeps both secrets valid, a tampered
body is refused, 410 Gone disables the subscription, a redirect is never followed, and
transient answers are told apart from permanent ones."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from nigrani_notify.messages import SendOutcome, delivery_key
from nigrani_notify.webhooks.payload import webhook_body
from nigrani_notify.webhooks.sender import WebhookSender
from nigrani_notify.webhooks.store import COLLECTION, SubscriptionStore
from nigrani_notify.webhooks.subscription import Subscription
from pymongo import AsyncMongoClient

from tests.support.events import case_changed
from tests.support.infra import Infra
from tests.support.webhook_receiver import WebhookReceiver, webhook_receiver

pytestmark = pytest.mark.integration

Document = dict[str, Any]
STATUS_CHANGED = "org.nigrani.request.status_changed.v1"


@pytest.fixture
async def store(infra: Infra) -> AsyncIterator[SubscriptionStore]:
    mongo: AsyncMongoClient[Document] = AsyncMongoClient(infra.mongodb_uri, tz_aware=True)
    try:
        db = mongo[f"t{uuid.uuid4().hex[:10]}_notify"]
        yield SubscriptionStore(db[COLLECTION], refresh_seconds=0)
    finally:
        await mongo.close()


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    async with webhook_receiver() as started:
        yield started


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def _event_body(code: str = "AB12-CD34-EF56") -> tuple[str, bytes]:
    event = case_changed(code, version=2, to_state="assigned", public_note="A crew is on it")
    return delivery_key(event.id, "webhook", "subscription:x"), webhook_body(event)


async def _subscribe(store: SubscriptionStore, url: str) -> Subscription:
    return await store.add(
        url=url, event_types=["org.nigrani.request.*"], description="test", allow_http=True
    )


async def test_a_delivery_verifies_with_the_reference_library(
    store: SubscriptionStore, receiver: WebhookReceiver, http: httpx.AsyncClient
) -> None:
    subscription = await _subscribe(store, receiver.url)
    receiver.trust(subscription.secret)
    key, body = _event_body()

    result = await WebhookSender(http, gone=store).send(key, subscription, body)

    assert result.outcome is SendOutcome.SENT, result
    [delivery] = receiver.deliveries
    assert delivery.webhook_id == key
    assert abs(int(delivery.headers["webhook-timestamp"]) - time.time()) < 60
    assert delivery.headers["content-type"] == "application/json"
    assert delivery.payload["type"] == STATUS_CHANGED
    assert delivery.payload["data"]["public_note"] == "A crew is on it"


async def test_after_a_rotation_old_and_new_secrets_both_verify(
    store: SubscriptionStore, receiver: WebhookReceiver, http: httpx.AsyncClient
) -> None:
    first = await _subscribe(store, receiver.url)
    rotated = await store.rotate(first.id)
    assert rotated.secret != first.secret
    receiver.trust(first.secret, rotated.secret)
    key, body = _event_body()

    result = await WebhookSender(http, gone=store).send(key, rotated, body)

    assert result.outcome is SendOutcome.SENT, result
    [delivery] = receiver.deliveries
    assert set(delivery.verified_with) == {first.secret, rotated.secret}
    stored = await store.get(first.id)
    assert stored is not None
    assert stored.secret == rotated.secret


async def test_a_tampered_body_does_not_verify(
    store: SubscriptionStore, receiver: WebhookReceiver, http: httpx.AsyncClient
) -> None:
    subscription = await _subscribe(store, receiver.url)
    receiver.trust(subscription.secret)
    key, body = _event_body()
    await WebhookSender(http, gone=store).send(key, subscription, body)
    [delivery] = receiver.deliveries

    tampered = body.replace(b"A crew is on it", b"A crew is on iT")
    assert tampered != body
    replay = await http.post(receiver.url, content=tampered, headers=dict(delivery.headers))

    assert replay.status_code == 401
    assert len(receiver.deliveries) == 1
    assert not receiver.calls[-1].verified


async def test_410_gone_disables_the_subscription_until_enabled(
    store: SubscriptionStore, receiver: WebhookReceiver, http: httpx.AsyncClient
) -> None:
    subscription = await _subscribe(store, receiver.url)
    receiver.trust(subscription.secret)
    receiver.respond_next(1, 410)
    assert [s.id for s in await store.matching(STATUS_CHANGED)] == [subscription.id]
    key, body = _event_body()

    result = await WebhookSender(http, gone=store).send(key, subscription, body)

    assert (result.outcome, result.reason) == (SendOutcome.PERMANENT, "http_410")
    stored = await store.get(subscription.id)
    assert stored is not None
    assert (stored.disabled, stored.disabled_reason) == (True, "http_410")
    assert await store.matching(STATUS_CHANGED) == []
    await store.set_disabled(subscription.id, False)
    assert [s.id for s in await store.matching(STATUS_CHANGED)] == [subscription.id]


async def test_a_redirect_is_never_followed(
    store: SubscriptionStore, receiver: WebhookReceiver, http: httpx.AsyncClient
) -> None:
    async with webhook_receiver() as elsewhere:
        subscription = await _subscribe(store, receiver.url)
        receiver.trust(subscription.secret)
        elsewhere.trust(subscription.secret)
        receiver.respond_next(1, 307, headers={"Location": elsewhere.url})
        key, body = _event_body()

        result = await WebhookSender(http, gone=store).send(key, subscription, body)

        assert (result.outcome, result.reason) == (SendOutcome.PERMANENT, "http_307")
        assert elsewhere.calls == []
        assert (await store.get(subscription.id)).disabled is False  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("status", "headers", "outcome", "retry_after"),
    [
        (503, {}, SendOutcome.TRANSIENT, None),
        (429, {"Retry-After": "7"}, SendOutcome.TRANSIENT, 7.0),
        (400, {}, SendOutcome.PERMANENT, None),
        (404, {}, SendOutcome.PERMANENT, None),
    ],
)
async def test_answers_are_transient_or_permanent(
    store: SubscriptionStore,
    receiver: WebhookReceiver,
    http: httpx.AsyncClient,
    status: int,
    headers: dict[str, str],
    outcome: SendOutcome,
    retry_after: float | None,
) -> None:
    subscription = await _subscribe(store, receiver.url)
    receiver.trust(subscription.secret)
    receiver.respond_next(1, status, headers=headers)
    key, body = _event_body()

    result = await WebhookSender(http, gone=store).send(key, subscription, body)

    assert (result.outcome, result.reason, result.retry_after_seconds) == (
        outcome,
        f"http_{status}",
        retry_after,
    )
    assert (await store.get(subscription.id)).disabled is False  # type: ignore[union-attr]


async def test_a_timeout_and_a_refused_connection_are_transient(
    store: SubscriptionStore, receiver: WebhookReceiver, http: httpx.AsyncClient
) -> None:
    subscription = await _subscribe(store, receiver.url)
    receiver.trust(subscription.secret)
    receiver.respond_next(1, 204, delay_seconds=2)
    key, body = _event_body()
    sender = WebhookSender(http, gone=store, timeout_seconds=0.3)

    timed_out = await sender.send(key, subscription, body)
    async with webhook_receiver() as closed:
        gone_url = closed.url
    refused = await sender.send(key, await _subscribe(store, gone_url), body)

    assert (timed_out.outcome, timed_out.reason) == (SendOutcome.TRANSIENT, "timeout")
    assert (refused.outcome, refused.reason) == (SendOutcome.TRANSIENT, "connection_error")
