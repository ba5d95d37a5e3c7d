"""A submission interrupted after its outbox entry (the process died before the request
document was written) still becomes a request: the relay derives it, then publishes."""

from __future__ import annotations

import pytest
from nigrani_intake.catalog.service import load_catalog
from nigrani_intake.submissions.documents import build_submission
from nigrani_intake.submissions.identity import candidate_tracking_code, derive_identity
from nigrani_intake.submissions.schemas import RequestCreate
from nigrani_shared.clock import utc_now
from nigrani_shared.events import (
    Contact,
    Location,
    RequestSubmitted,
    RequestSubmittedV1,
    derived_event_id,
    encode_event,
    new_event,
)

from tests.support.infra import Infra
from tests.support.kafka import read_topic
from tests.support.requests import PERSONAL_DATA, routed_view, water_request
from tests.support.system import running_system
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


async def test_an_orphaned_outbox_entry_becomes_a_routed_request(infra: Infra) -> None:
    async with running_system(infra) as system:
        settings = system.intake_settings
        secret = settings.secret_key.get_secret_value().encode()
        identity = derive_identity(secret, "crashed-submission-0001")
        code = candidate_tracking_code(secret, identity.key_hash, 0)
        body = RequestCreate.model_validate(water_request())
        category = load_catalog().get(body.category)
        assert category is not None
        submission = build_submission(
            tracking_code=code,
            body=body,
            category=category,
            key_hash=identity.key_hash,
            token_hash=identity.token_hash,
            submitted_at=utc_now(),
            topic=settings.lifecycle_topic,
            attempt="crashed-attempt",
            district="Lahore",
        )
        await system.intake_db["outbox"].insert_one(submission.outbox_entry)
        assert await system.intake_db["requests"].find_one({"_id": code}) is None

        view = await eventually(
            lambda: routed_view(system.intake, code), within=60, what="orphan routed"
        )
        assert view["department"]["code"] == "WASA-LHR"

        # The citizen's retry with the same key gets the same code, and nothing new.
        retry = await system.intake.post(
            "/v1/requests",
            json=water_request(),
            headers={"Idempotency-Key": "crashed-submission-0001"},
        )
        assert retry.status_code == 201
        assert retry.json()["tracking_code"] == code
        assert retry.json()["citizen_token"] == identity.citizen_token
        assert retry.headers["Idempotent-Replayed"] == "true"
        assert await system.intake_db["requests"].count_documents({}) == 1


async def test_an_entry_left_by_the_previous_version_is_published_without_contact_details(
    infra: Infra,
) -> None:
    """Entries written before request.submitted.v2 carry no attempt and a v1 event with the
    contact details inside: after an upgrade the relay publishes them as v2."""
    async with running_system(infra) as system:
        secret = system.intake_settings.secret_key.get_secret_value().encode()
        code = candidate_tracking_code(secret, "legacy-key", 0)
        submitted_at = utc_now()
        legacy_event = new_event(
            RequestSubmittedV1(
                request_id=code,
                category="water.no_supply",
                description="No water since Monday, call Ayesha",
                location=Location(lat=31.52, lon=74.35, address="Street 4", district="Lahore"),
                contact=Contact(name="Ayesha Siddiqui", phone="+923001234567", language="ur"),
                channel="web",
                sensitive=False,
                submitted_at=submitted_at,
            ),
            subject=code,
            source="/nigrani/intake",
            event_id=derived_event_id(code, "submitted"),
        )
        request = {
            "_id": code,
            "key_hash": "legacy-key",
            "body_hash": "legacy-body",
            "token_hash": "legacy-token",
            "category": "water.no_supply",
            "sensitive": False,
            "anonymous": False,
            "description": "No water since Monday, call Ayesha",
            "location": {"lat": 31.52, "lon": 74.35, "address": "Street 4", "district": "Lahore"},
            "contact": {"name": "Ayesha Siddiqui", "phone": "+923001234567", "language": "ur"},
            "channel": "web",
            "submitted_at": submitted_at,
            "timeline": {legacy_event.id: {"status": "submitted", "at": submitted_at}},
        }
        await system.intake_db["outbox"].insert_one(
            {
                "_id": legacy_event.id,
                "request_id": code,
                "key_hash": "legacy-key",
                "topic": system.topic,
                "event": encode_event(legacy_event).decode(),
                "event_type": legacy_event.type,
                "created_at": submitted_at,
                "request": request,
            }
        )
        view = await eventually(
            lambda: routed_view(system.intake, code), within=60, what="legacy entry routed"
        )
        assert view["department"]["code"] == "WASA-LHR"
        records = await read_topic(infra.kafka_bootstrap_servers, system.topic, expect=2)
        published = [r for r in records if r.key == code.encode() and b"submitted" in r.value]
        assert len(published) == 1
        assert RequestSubmitted.event_type.encode() in published[0].value
        for value in PERSONAL_DATA:
            assert value.encode() not in published[0].value, value
