"""A submission interrupted after its outbox entry (the process died before the request
document was written) still becomes a request: the relay derives it, then publishes."""

from __future__ import annotations

import pytest
from nigrani_intake.catalog.service import load_catalog
from nigrani_intake.submissions.documents import build_submission
from nigrani_intake.submissions.identity import candidate_tracking_code, derive_identity
from nigrani_intake.submissions.schemas import RequestCreate
from nigrani_shared.clock import utc_now

from tests.support.infra import Infra
from tests.support.requests import routed_view, water_request
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
