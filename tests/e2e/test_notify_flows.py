"""Notify over the real broker and store, talking to a real SMTP server and a real HTTP SMS
gateway started by the tests: a request's life tells the citizen each step in their
language on both channels and the assignee when work lands on them; an anonymous request
tells the citizen nothing; an event delivered twice makes one message; a dead SMS gateway
does not hold e-mail back; quiet hours defer SMS without dropping it; an erasure stops
what was still owed; events older than the horizon tell nobody."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from nigrani_shared.auth.identity import Role
from nigrani_shared.clock import utc_now
from nigrani_shared.events import (
    CaseChanged,
    EventEnvelope,
    RequestRouted,
    derived_event_id,
    new_event,
)

from tests.support.citizen import NO_STATUS_CACHE, act
from tests.support.infra import Infra
from tests.support.kafka import events_on_topic, send_events
from tests.support.notify import INTERNAL_TOKEN, Notify, running_notify
from tests.support.requests import water_request
from tests.support.sms_gateway import GatewayRequest, SmsGateway
from tests.support.smtp_sink import ReceivedMail, SmtpSink
from tests.support.staff import staff_headers
from tests.support.system import System, running_system
from tests.support.waiting import eventually
from tests.support.webhook_receiver import webhook_receiver

pytestmark = pytest.mark.integration

HOME = "WASA-LHR"
PLACE = {"lat": 31.60, "lon": 74.30, "address": "Street 4, Walled City", "district": "Lahore"}
CITIZEN_EMAIL = "ayesha.siddiqui@example.pk"
CITIZEN_PHONE = "+923001234567"
OFFICER_EMAIL = "officer-1.wasa-lhr@example.gov.pk"


@dataclass
class Stack:
    system: System
    notify: Notify
    smtp: SmtpSink
    sms: SmsGateway

    def mails_to(self, address: str) -> list[ReceivedMail]:
        return [mail for mail in self.smtp.mails if address in mail.rcpt_tos]

    def texts_to(self, number: str) -> list[GatewayRequest]:
        """What the gateway accepted for that number: each idempotency key once, as a
        gateway that honours keys delivers it."""
        return [request for request in self.sms.messages if request.fields.get("to") == number]


@asynccontextmanager
async def stack(
    infra: Infra,
    tmp_path: Path,
    *,
    quiet_hours: str | None = None,
    sms_extra: dict[str, Any] | None = None,
    **overrides: Any,
) -> AsyncIterator[Stack]:
    intake = {**NO_STATUS_CACHE, "internal_api_token": INTERNAL_TOKEN}
    async with (
        running_system(infra, intake_overrides=intake) as system,
        SmtpSink() as smtp,
        SmsGateway() as sms,
        running_notify(
            infra,
            system,
            tmp_path,
            smtp_port=smtp.port,
            sms_url=sms.url,
            quiet_hours=quiet_hours,
            sms_extra=sms_extra,
            **overrides,
        ) as notify,
    ):
        await _consuming(notify)
        yield Stack(system, notify, smtp, sms)


async def _consuming(notify: Notify) -> None:
    """Notify's group starts at the latest offsets: wait until it has joined."""
    transport = httpx.ASGITransport(app=notify.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://notify") as client:

        async def ready() -> bool:
            return (await client.get("/readyz")).status_code == 200

        await eventually(ready, within=60, what="notify ready")


async def _submit(system: System, **overrides: Any) -> tuple[str, str]:
    response = await system.intake.post(
        "/v1/requests", json=water_request(location=PLACE, **overrides)
    )
    assert response.status_code == 201, response.text
    return response.json()["tracking_code"], response.json()["citizen_token"]


async def _staff_act(
    system: System,
    code: str,
    path: str,
    body: dict[str, Any],
    *,
    who: str,
    role: Role = Role.OFFICER,
) -> None:
    routing = system.routing
    assert routing is not None
    headers = staff_headers(system.routing_settings, who, HOME, role)

    async def accepted() -> bool:
        response = await routing.post(f"/staff/v1/cases/{code}/{path}", json=body, headers=headers)
        return response.status_code == 200

    await eventually(accepted, within=60, interval=0.3, what=f"{path} {body} on {code}")


async def _state(system: System, code: str, state: str) -> None:
    async def reached() -> bool:
        view = await system.intake.get(f"/v1/requests/{code}")
        return view.status_code == 200 and view.json()["status"] == state

    await eventually(reached, within=60, interval=0.2, what=f"{code} {state}")


def _subjects(mails: list[Any]) -> list[str]:
    return [mail.message["Subject"] for mail in mails]


async def test_a_requests_life_tells_the_citizen_in_urdu_and_the_assignee(
    infra: Infra, tmp_path: Path
) -> None:
    async with stack(infra, tmp_path) as s:
        code, token = await _submit(s.system)
        await _state(s.system, code, "routed")
        await _staff_act(
            s.system, code, "assign", {"assignee": "officer-1"}, who="sup", role=Role.SUPERVISOR
        )
        await _staff_act(s.system, code, "transitions", {"action": "start"}, who="officer-1")
        question = {"action": "request_information", "public_note": "Which house number?"}
        await _staff_act(s.system, code, "transitions", question, who="officer-1")
        await _state(s.system, code, "awaiting_citizen")
        answer = await act(s.system.intake, code, "information", token, text="House 12")
        assert answer.status_code == 202, answer.text
        await _state(s.system, code, "in_progress")
        resolve = {"action": "resolve", "public_note": "The valve was repaired."}
        await _staff_act(s.system, code, "transitions", resolve, who="officer-1")

        # received, routed, awaiting information, resolved: on both channels, in Urdu.
        await eventually(
            lambda: _count(s.mails_to(CITIZEN_EMAIL), 4), within=60, what="4 citizen mails"
        )
        await eventually(
            lambda: _count(s.texts_to(CITIZEN_PHONE), 4), within=60, what="4 citizen texts"
        )
        await eventually(lambda: _count(s.mails_to(OFFICER_EMAIL), 1), within=30)
        await asyncio.sleep(3)  # nothing more comes

    citizen_mails = s.mails_to(CITIZEN_EMAIL)
    assert len(citizen_mails) == 4
    assert len(s.texts_to(CITIZEN_PHONE)) == 4
    for mail in citizen_mails:
        html = mail.part("text/html")
        assert 'dir="rtl"' in html
        assert code in mail.part("text/plain")
    resolved_text = citizen_mails[-1].part("text/plain")
    assert "The valve was repaired." in resolved_text
    (assigned,) = s.mails_to(OFFICER_EMAIL)
    assert code in assigned.part("text/plain")
    # Each delivery was announced once, by reference: never an address.
    events = await events_on_topic(s.system.intake_settings.kafka_bootstrap_servers, s.system.topic)
    sent = [e for e in events if e["type"] == "org.nigrani.notification.sent.v1"]
    assert Counter(e["data"]["kind"] for e in sent if e["data"]["audience"] == "citizen") == {
        "received": 2,
        "routed": 2,
        "awaiting_information": 2,
        "resolved": 2,
    }
    assert CITIZEN_EMAIL not in str(events)
    assert CITIZEN_PHONE not in str(events)


async def test_an_anonymous_request_tells_the_citizen_nothing(infra: Infra, tmp_path: Path) -> None:
    async with stack(infra, tmp_path) as s:
        # A whistle-blower's category (no contact accepted) and an ordinary one without.
        whistle = water_request(location=PLACE, category="integrity.bribe_demanded")
        whistle.pop("contact")
        contactless = water_request(location=PLACE)
        contactless.pop("contact")
        silent = []
        for body in (whistle, contactless):
            response = await s.system.intake.post("/v1/requests", json=body)
            assert response.status_code == 201, response.text
            silent.append(response.json()["tracking_code"])
        named, _ = await _submit(s.system)
        await _state(s.system, named, "routed")
        await eventually(lambda: _count(s.mails_to(CITIZEN_EMAIL), 2), within=60)
        await asyncio.sleep(3)
        deliveries = s.system.mongo[s.notify.settings.database_name]["deliveries"]
        owed = [doc async for doc in deliveries.find({"recipient": "citizen"})]
    assert {doc["request_id"] for doc in owed} == {named}  # nothing even planned for them
    assert len(s.smtp.mails) == 2  # the named citizen's received and routed only
    for code in silent:
        assert all(code not in mail.part("text/plain") for mail in s.smtp.mails)
        assert all(code not in str(call.fields) for call in s.sms.requests)


async def test_an_event_delivered_twice_makes_one_message(infra: Infra, tmp_path: Path) -> None:
    async with stack(infra, tmp_path) as s:
        code, _ = await _submit(s.system)
        await _state(s.system, code, "routed")
        await eventually(lambda: _count(s.mails_to(CITIZEN_EMAIL), 2), within=60)
        events = await events_on_topic(
            s.system.intake_settings.kafka_bootstrap_servers, s.system.topic
        )
        routed = next(e for e in events if e["type"] == "org.nigrani.request.routed.v2")
        again = new_event(
            RequestRouted.model_validate(routed["data"]),
            subject=code,
            source="/test",
            event_id=routed["id"],
        )
        await send_events(s.system.intake_settings.kafka_bootstrap_servers, s.system.topic, [again])
        await asyncio.sleep(5)
    assert len(s.mails_to(CITIZEN_EMAIL)) == 2
    assert len(s.texts_to(CITIZEN_PHONE)) == 2


async def test_a_hanging_sms_gateway_does_not_hold_email_back(infra: Infra, tmp_path: Path) -> None:
    # Every SMS call hangs for a minute (the adapter gives up after 45 s): had the channels
    # shared one sweep, or had the consumer waited for sends, the routed e-mails would
    # wait behind the hanging received SMS.
    async with stack(
        infra, tmp_path, sms_extra={"timeout_seconds": 45.0}, attempt_lease_seconds=60.0
    ) as s:
        s.sms.slow_next(1000, 60.0)
        codes = [(await _submit(s.system))[0] for _ in range(3)]
        for code in codes:
            await _state(s.system, code, "routed")
        await eventually(lambda: _count(s.mails_to(CITIZEN_EMAIL), 6), within=20)
        settled_sms = [
            await s.notify.parts.dispatcher.store.outcome(key) for key in await _sms_keys(s)
        ]
    assert len(settled_sms) == 6
    assert settled_sms == [None] * 6  # still hanging (or waiting to retry), none lost


async def test_sms_in_quiet_hours_is_deferred_never_dropped(infra: Infra, tmp_path: Path) -> None:
    now = utc_now().astimezone(ZoneInfo("Asia/Karachi"))
    start = now - timedelta(minutes=1)
    end = now + timedelta(seconds=70)
    window = f"{start:%H:%M}-{end:%H:%M}"
    async with stack(infra, tmp_path, quiet_hours=window) as s:
        code, _ = await _submit(s.system)
        await eventually(lambda: _count(s.mails_to(CITIZEN_EMAIL), 1), within=30)
        assert s.texts_to(CITIZEN_PHONE) == []  # e-mail went; the SMS waits
        await eventually(lambda: _count(s.texts_to(CITIZEN_PHONE), 2), within=150)
    assert code in s.texts_to(CITIZEN_PHONE)[0].fields["text"]


async def test_an_erasure_stops_what_was_still_owed(infra: Infra, tmp_path: Path) -> None:
    async with stack(infra, tmp_path) as s:
        s.sms.fail_next(1000, 503)  # SMS keeps failing: it is still owed when the erasure comes
        code, token = await _submit(s.system)
        await eventually(lambda: _count(s.mails_to(CITIZEN_EMAIL), 1), within=30)
        erased = await s.system.intake.request(
            "DELETE", f"/v1/requests/{code}/contact", headers={"X-Citizen-Token": token}
        )
        assert erased.status_code == 200, erased.text

        async def failed_as_erased() -> bool:
            events = await events_on_topic(
                s.system.intake_settings.kafka_bootstrap_servers, s.system.topic
            )
            return any(
                e["type"] == "org.nigrani.notification.failed.v1"
                and e["data"]["reason"] == "contact_erased"
                for e in events
            )

        await eventually(failed_as_erased, within=60, what="the owed SMS failed as erased")
        copy = await s.notify.parts.contacts.contact_of(code)
    assert copy.reach == "erased"
    assert copy.email is None
    assert copy.phone is None


async def test_events_older_than_the_horizon_tell_nobody(infra: Infra, tmp_path: Path) -> None:
    async with stack(infra, tmp_path) as s:
        code, _ = await _submit(s.system)
        await _state(s.system, code, "routed")
        await eventually(lambda: _count(s.mails_to(CITIZEN_EMAIL), 2), within=60)
        old = RequestRouted(
            request_id=code,
            category="water.supply",
            district=None,
            department_code=HOME,
            department_name="WASA",
            rule_id="r",
            rule_set_version="v",
            areas=(),
            conflict_of_interest=False,
            priority="normal",
            routed_at=utc_now() - timedelta(hours=25),
        )
        stale = new_event(old, subject=code, source="/test", event_id=derived_event_id(code, "old"))
        stale = stale.model_copy(update={"time": utc_now() - timedelta(hours=25)})
        await send_events(s.system.intake_settings.kafka_bootstrap_servers, s.system.topic, [stale])
        await asyncio.sleep(5)
    assert len(s.mails_to(CITIZEN_EMAIL)) == 2


async def _count(items: list[Any], expected: int) -> bool:
    return len(items) >= expected


async def _sms_keys(s: Stack) -> list[str]:
    deliveries = s.system.mongo[s.notify.settings.database_name]["deliveries"]
    return [str(doc["_id"]) async for doc in deliveries.find({"channel": "sms"})]


async def test_a_consumer_dying_between_recording_and_the_view_loses_nothing(
    infra: Infra, tmp_path: Path
) -> None:
    """The handler dies after recording what a case change owes and before moving its view
    of the request: the redelivered change must still owe it (and owe it once)."""
    async with stack(infra, tmp_path) as s:
        died: list[str] = []

        async def dies_once(envelope: EventEnvelope) -> None:
            if envelope.type == CaseChanged.event_type and not died:
                died.append(envelope.id)
                raise RuntimeError("the consumer dies here")

        s.notify.parts.listener.between_writes = dies_once
        code, _ = await _submit(s.system)
        await _state(s.system, code, "routed")
        await _staff_act(
            s.system, code, "assign", {"assignee": "officer-1"}, who="sup", role=Role.SUPERVISOR
        )
        await eventually(lambda: _count(s.mails_to(OFFICER_EMAIL), 1), within=60)
        await asyncio.sleep(3)
    assert len(died) == 1
    assert len(s.mails_to(OFFICER_EMAIL)) == 1


async def test_a_subscriber_gets_signed_webhooks_that_a_standard_library_verifies(
    infra: Infra, tmp_path: Path
) -> None:
    async with stack(infra, tmp_path) as s, webhook_receiver() as receiver:
        store = s.notify.parts.subscriptions
        subscription = await store.add(
            url=receiver.url,
            event_types=["org.nigrani.request.*"],
            description="district dashboard",
            allow_http=True,
        )
        receiver.trust(subscription.secret)

        async def listening() -> bool:  # the listener's cache of subscriptions has it
            matching = await store.matching("org.nigrani.request.submitted.v3")
            return subscription.id in {found.id for found in matching}

        await eventually(listening, within=30, what="the subscription in the cache")
        code, _ = await _submit(s.system)
        await _state(s.system, code, "routed")
        calls = await receiver.wait_for_deliveries(2, within=60)

        async def timeline() -> httpx.Response | None:
            response = await s.system.intake.get(
                f"/internal/v1/requests/{code}/notifications",
                headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"},
            )
            complete = response.status_code == 200 and len(response.json()["notifications"]) >= 6
            return response if complete else None

        internal = await eventually(timeline, within=30, what="six deliveries on the timeline")
    assert all(call.verified for call in calls)  # by the standardwebhooks package
    types = [call.payload["type"] for call in calls]
    assert types == ["org.nigrani.request.submitted.v3", "org.nigrani.request.routed.v2"]
    assert all(call.payload["data"]["request_id"] == code for call in calls)
    assert CITIZEN_EMAIL not in str([call.payload for call in calls])
    # Every delivery's end is on the request's internal timeline, by channel and kind.
    assert internal.status_code == 200, internal.text
    seen = Counter(
        (entry["channel"], entry["kind"], entry["outcome"])
        for entry in internal.json()["notifications"]
    )
    assert seen[("email", "received", "sent")] == 1
    assert seen[("sms", "routed", "sent")] == 1
    assert seen[("webhook", "org.nigrani.request.routed.v2", "sent")] == 1


async def _announced(s: Stack, kind: str) -> list[dict[str, Any]]:
    events = await events_on_topic(s.system.intake_settings.kafka_bootstrap_servers, s.system.topic)
    return [e for e in events if e["type"] == kind]


async def test_a_gateway_failing_twice_then_accepting_gives_one_message(
    infra: Infra, tmp_path: Path
) -> None:
    async with stack(infra, tmp_path) as s:
        s.sms.fail_next(2, 503)  # the first two calls are refused, then all are taken
        await _submit(s.system)  # owes the received and the routed SMS

        async def both_announced() -> list[dict[str, Any]] | None:
            sent = await _announced(s, "org.nigrani.notification.sent.v1")
            sms = [e for e in sent if e["data"]["channel"] == "sms"]
            return sms if len(sms) == 2 else None

        sent = await eventually(both_announced, within=60)
        await asyncio.sleep(2)
    assert len(s.sms.messages) == 2  # each message accepted once
    assert len(s.sms.requests) == 4  # after two refusals
    assert Counter(r.status for r in s.sms.requests) == {200: 2, 503: 2}
    assert sum(e["data"]["attempts"] for e in sent) == 4


async def test_a_permanent_refusal_is_announced_as_failed_and_not_retried(
    infra: Infra, tmp_path: Path
) -> None:
    async with stack(infra, tmp_path) as s:
        s.sms.fail_next(1, 400)  # the gateway refuses the received SMS for good
        code, _ = await _submit(s.system)

        async def failed() -> list[dict[str, Any]] | None:
            return await _announced(s, "org.nigrani.notification.failed.v1") or None

        (event,) = await eventually(failed, within=60)
        await asyncio.sleep(6)  # past the lease: nothing tries it again
    assert (event["data"]["channel"], event["data"]["reason"]) == ("sms", "http_400")
    assert event["data"]["attempts"] == 1
    refused_key = next(r.key for r in s.sms.requests if r.status == 400)
    assert [r.status for r in s.sms.requests if r.key == refused_key] == [400]
    assert code in s.mails_to(CITIZEN_EMAIL)[0].part("text/plain")  # e-mail unaffected
