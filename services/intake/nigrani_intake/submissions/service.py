"""Accepting a submission so that a 201 always means "durable and on its way to Kafka".

Two writes: the outbox entry first (the durability point: from here the relay will derive
the request if need be and publish its event), then the request document, derived from the
entry that is pending under the code (ours, or a concurrent retry's). No call deletes an
entry that could announce a request: the relay clears an entry after Kafka acknowledged
it, and an entry is cleared early only once a request derived from another attempt is
stored, which nothing can undo. So whatever interleaves with us (a retry with the same
key, the relay, another replica, a crash), the entry that announces a stored request
stays until its event is in Kafka.

Which call was the first acceptance is decided by the request document itself: it records
the attempt whose entry it was derived from. The call whose attempt that is answers 201;
every other call with the same key answers 201 with `Idempotent-Replayed: true`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pymongo
from nigrani_shared.clock import utc_now
from nigrani_shared.store.client import Document
from pymongo.errors import PyMongoError

from nigrani_intake.catalog.departments import Departments
from nigrani_intake.catalog.districts import Districts
from nigrani_intake.catalog.schemas import Category
from nigrani_intake.catalog.service import Catalog
from nigrani_intake.outbox.repository import OutboxRepository
from nigrani_intake.outbox.signal import OutboxSignal
from nigrani_intake.submissions.documents import body_fingerprint, build_submission
from nigrani_intake.submissions.errors import (
    OutcomeUnknownError,
    SubmissionRejectedError,
    TrackingCodeExhaustedError,
)
from nigrani_intake.submissions.identity import (
    SubmissionIdentity,
    candidate_tracking_code,
    derive_identity,
    random_idempotency_key,
)
from nigrani_intake.submissions.metrics import count_created
from nigrani_intake.submissions.repository import RequestsRepository
from nigrani_intake.submissions.schemas import RequestAccepted, RequestCreate

MAX_CODE_ATTEMPTS = 8

#: Called between the two writes; tests use it to force the dangerous interleavings.
BetweenWrites = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class Outcome:
    accepted: RequestAccepted
    replayed: bool


class SubmissionService:
    def __init__(
        self,
        *,
        catalog: Catalog,
        districts: Districts,
        departments: Departments,
        requests: RequestsRepository,
        outbox: OutboxRepository,
        secret: bytes,
        topic: str,
        signal: OutboxSignal,
        store_timeout_seconds: float,
        between_writes: BetweenWrites | None = None,
    ) -> None:
        self._catalog = catalog
        self._districts = districts
        self._departments = departments
        self._requests = requests
        self._outbox = outbox
        self._secret = secret
        self._topic = topic
        self._signal = signal
        self._store_timeout = store_timeout_seconds
        self.between_writes = between_writes

    async def submit(self, body: RequestCreate, idempotency_key: str | None) -> Outcome:
        category = self._check_category(body)
        self._check_department(body)
        key = idempotency_key or random_idempotency_key()
        identity = derive_identity(self._secret, key)
        attempt = uuid.uuid4().hex
        try:
            with pymongo.timeout(self._store_timeout):
                return await self._accept(body, category, identity, attempt)
        except PyMongoError as error:
            # The writes may have landed even though we saw no answer: say so, and give the
            # key whose retry lands on the same documents.
            raise OutcomeUnknownError(key) from error

    async def _accept(
        self, body: RequestCreate, category: Category, identity: SubmissionIdentity, attempt: str
    ) -> Outcome:
        body_hash = body_fingerprint(body)
        for candidate in range(MAX_CODE_ATTEMPTS):
            code = candidate_tracking_code(self._secret, identity.key_hash, candidate)
            stored = await self._store(code, body, category, identity, attempt)
            if stored["key_hash"] != identity.key_hash:
                continue  # this code belongs to somebody else: try the next candidate
            if stored["body_hash"] != body_hash:
                raise SubmissionRejectedError(
                    "header.Idempotency-Key", "this key was already used for a different request"
                )
            first = stored.get("attempt") == attempt
            return Outcome(accepted=_accepted(stored, identity), replayed=not first)
        raise TrackingCodeExhaustedError

    def _check_category(self, body: RequestCreate) -> Category:
        category = self._catalog.get(body.category)
        if category is None:
            raise SubmissionRejectedError(
                "body.category", "unknown category: GET /v1/services lists the valid codes"
            )
        if category.anonymous and body.contact is not None:
            raise SubmissionRejectedError(
                "body.contact",
                "this category is anonymous: contact details are not accepted; "
                "follow the request with its tracking code and citizen token",
            )
        return category

    def _check_department(self, body: RequestCreate) -> None:
        """Only a listed code goes further; the reason never repeats what was sent."""
        code = body.concerns_department
        if code is not None and self._departments.get(code) is None:
            raise SubmissionRejectedError(
                "body.concerns_department",
                "unknown department: GET /v1/departments lists the valid codes",
            )

    async def _store(
        self,
        code: str,
        body: RequestCreate,
        category: Category,
        identity: SubmissionIdentity,
        attempt: str,
    ) -> Document:
        """Writes the entry, then the request derived from the pending entry; returns what
        is stored under the code."""
        submission = build_submission(
            tracking_code=code,
            body=body,
            category=category,
            key_hash=identity.key_hash,
            token_hash=identity.token_hash,
            submitted_at=utc_now(),
            topic=self._topic,
            attempt=attempt,
            district=self._districts.canonical(body.location.district if body.location else None),
        )
        pending = (await self._outbox.add_or_get(submission.outbox_entry)).stored
        if self.between_writes is not None:
            await self.between_writes(code)
        if pending is None:
            # The pending entry was published and cleared after our insert met it, and the
            # relay derives a request before it publishes: the request is there to read.
            stored = await self._requests.get(code)
            if stored is None:
                raise LookupError(f"outbox entry for {code} cleared without its request")
            return stored
        derived = await self._requests.derive(pending["request"])
        stored = derived.stored
        assert stored is not None
        if derived.inserted:
            count_created(stored)
            self._signal.request_stored(pending["_id"], pending["attempt"])
        elif pending["attempt"] == attempt and stored.get("attempt") != attempt:
            # Our own entry, for a request another attempt made (a replay, or a code that
            # is somebody else's): it announces nothing, and requests are never deleted,
            # so it never will. Cleared now rather than by the relay, because it may hold
            # contact details the citizen has since erased. Only this attempt's entry is
            # matched, so nothing that announces a request can be removed here.
            await self._outbox.remove_attempt(pending["_id"], attempt)
        return stored


def _accepted(stored: Document, identity: SubmissionIdentity) -> RequestAccepted:
    return RequestAccepted(
        tracking_code=stored["_id"],
        citizen_token=identity.citizen_token,
        status="submitted",
        submitted_at=stored["submitted_at"],
    )
