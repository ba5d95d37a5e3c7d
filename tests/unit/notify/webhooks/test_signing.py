"""Standard Webhooks signatures, checked against the specification's published example
and against the `standardwebhooks` reference library (not our own code)."""

from __future__ import annotations

import time

import pytest
from nigrani_notify.webhooks.signing import sign, signature_header, webhook_headers
from nigrani_notify.webhooks.subscription import decode_secret, new_secret
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

#: The example in the Standard Webhooks specification and its libraries' tests.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_signature_of_the_specification_example() -> None:
    assert sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE


def test_a_new_secret_is_whsec_and_24_to_32_random_bytes() -> None:
    secrets = {new_secret() for _ in range(20)}
    assert len(secrets) == 20
    for secret in secrets:
        assert secret.startswith("whsec_")
        assert 24 <= len(decode_secret(secret)) <= 32


def test_headers_verify_with_the_reference_library() -> None:
    secret = new_secret()
    body = '{"type":"org.nigrani.sla.breached.v1","data":{"note":"پانی"}}'.encode()
    headers = webhook_headers([secret], "delivery-1", int(time.time()), body)
    assert headers["content-type"] == "application/json"
    assert headers["webhook-id"] == "delivery-1"
    assert Webhook(secret).verify(body, headers)["data"]["note"] == "پانی"


def test_each_of_several_secrets_verifies_and_no_other() -> None:
    old, new = new_secret(), new_secret()
    body = b'{"a":1}'
    headers = webhook_headers([new, old], "delivery-2", int(time.time()), body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(body, headers)
    Webhook(new).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)


@pytest.mark.parametrize(
    "change",
    [
        {"body": b'{"a":2}'},
        {"webhook-id": "delivery-other"},
        {"webhook-timestamp": "shift"},
    ],
)
def test_a_changed_body_id_or_timestamp_fails(change: dict[str, object]) -> None:
    secret = new_secret()
    body = b'{"a":1}'
    now = int(time.time())
    headers = webhook_headers([secret], "delivery-3", now, body)
    if change.get("webhook-timestamp") == "shift":
        headers["webhook-timestamp"] = str(now - 1)
    elif "webhook-id" in change:
        headers["webhook-id"] = str(change["webhook-id"])
    sent = change.get("body", body)
    assert isinstance(sent, bytes)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(sent, headers)


def test_no_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one secret"):
        signature_header([], "delivery-4", 1, b"{}")
