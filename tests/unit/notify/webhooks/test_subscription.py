"""What may be a subscription: its URL, its event filters, and which events it takes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from nigrani_notify.webhooks.subscription import (
    InvalidSubscriptionError,
    PreviousSecret,
    Subscription,
    checked_event_types,
    checked_url,
    new_secret,
)
from nigrani_shared.clock import utc_now


def test_https_always_and_http_only_when_allowed() -> None:
    assert checked_url("https://example.org/hook", allow_http=False)
    assert checked_url("http://127.0.0.1:8080/hook", allow_http=True)
    with pytest.raises(InvalidSubscriptionError, match="https"):
        checked_url("http://example.org/hook", allow_http=False)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org",
        "https://",
        "https://user:pw@example.org/",
        "example.org/hook",
        "https://example.org:99999/",
        "https://example.org/#x",
    ],
)
def test_a_url_that_cannot_be_a_target_is_refused(url: str) -> None:
    with pytest.raises(InvalidSubscriptionError):
        checked_url(url, allow_http=True)


def test_filters_are_known_types_or_prefixes() -> None:
    assert checked_event_types(
        ["org.nigrani.sla.*", "org.nigrani.request.status_changed.v1", "org.nigrani.sla.*"]
    ) == ("org.nigrani.sla.*", "org.nigrani.request.status_changed.v1")


@pytest.mark.parametrize(
    "filters",
    [
        [],
        ["org.nigrani.request.unknown.v1"],
        ["org.nigrani.notification.sent.v1"],
        ["org.nigrani.notification.*"],
        ["org.nigrani.sla*x"],
        ["*"],
    ],
)
def test_bad_filters_are_refused(filters: list[str]) -> None:
    with pytest.raises(InvalidSubscriptionError):
        checked_event_types(filters)


def _subscription(**changes: object) -> Subscription:
    fields: dict[str, object] = {
        "id": "sub_1",
        "url": "https://example.org",
        "secret": new_secret(),
        "event_types": ("org.nigrani.sla.*",),
        "description": "",
        "created_at": utc_now(),
        **changes,
    }
    return Subscription(**fields)  # type: ignore[arg-type]


def test_a_prefix_takes_its_events_and_never_a_notification() -> None:
    subscription = _subscription(event_types=("org.nigrani.sla.*", "org.nigrani.*"))
    assert subscription.accepts("org.nigrani.sla.breached.v1")
    assert subscription.accepts("org.nigrani.request.routed.v2")
    assert not subscription.accepts("org.nigrani.notification.sent.v1")


def test_a_previous_secret_signs_until_its_grace_ends() -> None:
    now = utc_now()
    old = PreviousSecret(new_secret(), valid_until=now + timedelta(seconds=1))
    subscription = _subscription(previous_secrets=(old,))
    assert subscription.signing_secrets(now) == (subscription.secret, old.secret)
    assert subscription.signing_secrets(now + timedelta(seconds=1)) == (subscription.secret,)
