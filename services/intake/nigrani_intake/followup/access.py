"""Proving a request is yours: the tracking code and the citizen token.

Only the token's hash is stored; it is compared in constant time. An unknown code and a
wrong token give one answer (None, and so one 404 at the door), and both compare a hash,
so neither the answer nor the time taken tells a guesser which part was wrong. Every route
that acts for the citizen goes through here (dependencies.CitizenRequest).
"""

from __future__ import annotations

import hmac

import pymongo
from nigrani_shared.store.client import Document

from nigrani_intake.submissions.identity import hash_token
from nigrani_intake.submissions.repository import RequestsRepository

_NO_SUCH_HASH = "0" * 64


class CitizenAccess:
    def __init__(self, *, requests: RequestsRepository, store_timeout_seconds: float) -> None:
        self._requests = requests
        self._store_timeout = store_timeout_seconds

    async def owned_request(self, tracking_code: str, citizen_token: str) -> Document | None:
        """The request if the token is its own; None for an unknown code or a wrong token."""
        with pymongo.timeout(self._store_timeout):  # a frozen store answers 503, in time
            request = await self._requests.get(tracking_code)
        expected: str = request["token_hash"] if request is not None else _NO_SUCH_HASH
        if not hmac.compare_digest(hash_token(citizen_token), expected):
            return None
        return request
