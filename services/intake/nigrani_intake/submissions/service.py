"""Accepting a submission so that a 201 always means "durable and on its way to Kafka".

Order of writes: the outbox entry first (the durability point: from here the relay will
publish the event and derive the request), then the request document itself, so the
tracking code answers as soon as the 201 is sent. Both writes are idempotent upserts on
`_id`, and everything in them is derived from the idempotency key, so a retry after any
failure lands on the same documents and returns the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from nigrani_shared.clock import utc_now
from nigrani_shared.store.client import Document
from prometheus_client import Counter

from nigrani_intake.catalog.schemas import Category
from nigrani_intake.catalog.service import Catalog
from nigrani_intake.outbox.repository import OutboxRepository
from nigrani_intake.outbox.signal import OutboxSignal
from nigrani_intake.submissions.documents import body_fingerprint, build_submission
from nigrani_intake.submissions.errors import (
    SubmissionRejectedError,
    TrackingCodeExhaustedError,
)
from nigrani_intake.submissions.identity import (
    SubmissionIdentity,
    candidate_tracking_code,
    derive_identity,
    random_idempotency_key,
)
from nigrani_intake.submissions.repository import RequestsRepository
from nigrani_intake.submissions.schemas import RequestAccepted, RequestCreate

MAX_CODE_ATTEMPTS = 8

REQUESTS_SUBMITTED = Counter(
    "nigrani_requests_submitted_total",
    "Requests accepted by intake (replays of an idempotency key not counted).",
    ["category", "channel"],
)


@dataclass(frozen=True)
class Outcome:
    accepted: RequestAccepted
    replayed: bool


class SubmissionService:
    def __init__(
        self,
        *,
        catalog: Catalog,
        requests: RequestsRepository,
        outbox: OutboxRepository,
        secret: bytes,
        topic: str,
        signal: OutboxSignal,
    ) -> None:
        self._catalog = catalog
        self._requests = requests
        self._outbox = outbox
        self._secret = secret
        self._topic = topic
        self._signal = signal

    async def submit(self, body: RequestCreate, idempotency_key: str | None) -> Outcome:
        category = self._check_category(body)
        identity = derive_identity(self._secret, idempotency_key or random_idempotency_key())
        body_hash = body_fingerprint(body)
        for attempt in range(MAX_CODE_ATTEMPTS):
            code = candidate_tracking_code(self._secret, identity.key_hash, attempt)
            stored, created = await self._store(code, body, category, identity)
            if stored["key_hash"] != identity.key_hash:
                continue  # this code belongs to somebody else: try the next candidate
            if stored["body_hash"] != body_hash:
                raise SubmissionRejectedError(
                    "header.Idempotency-Key", "this key was already used for a different request"
                )
            if created:
                REQUESTS_SUBMITTED.labels(category.code, body.channel).inc()
            return Outcome(accepted=_accepted(stored, identity), replayed=not created)
        raise TrackingCodeExhaustedError

    def _check_category(self, body: RequestCreate) -> Category:
        category = self._catalog.get(body.category)
        if category is None:
            raise SubmissionRejectedError(
                "body.category",
                f"unknown category {body.category!r}: GET /v1/services lists the valid codes",
            )
        if category.anonymous and body.contact is not None:
            raise SubmissionRejectedError(
                "body.contact",
                "this category is anonymous: contact details are not accepted; "
                "follow the request with its tracking code and citizen token",
            )
        return category

    async def _store(
        self, code: str, body: RequestCreate, category: Category, identity: SubmissionIdentity
    ) -> tuple[Document, bool]:
        """Writes the outbox entry, then the request; returns what is stored under the code
        and whether this call created it.

        "Does this code exist?" is asked by inserting: stock FerretDB v1.24 scans the whole
        collection to find that an `_id` is missing (deploy/local adds the index it lacks,
        but other FerretDB deployments may not have it)."""
        submission = build_submission(
            tracking_code=code,
            body=body,
            category=category,
            key_hash=identity.key_hash,
            token_hash=identity.token_hash,
            submitted_at=utc_now(),
            topic=self._topic,
        )
        entry_id = submission.outbox_entry["_id"]
        entry_added = await self._outbox.add(submission.outbox_entry)
        stored, created = await self._requests.derive(submission.request)
        if entry_added and not created:
            # The code's event was published long ago (a replay, or someone else's code):
            # the entry just added would only announce it again.
            await self._outbox.remove([entry_id])
        elif entry_added:
            self._signal.request_stored(entry_id)
        return stored, created


def _accepted(stored: Document, identity: SubmissionIdentity) -> RequestAccepted:
    return RequestAccepted(
        tracking_code=stored["_id"],
        citizen_token=identity.citizen_token,
        status="submitted",
        submitted_at=stored["submitted_at"],
    )
