"""The citizen's contact details: asked of intake (their owner) when a message is due,
kept in notify's copy while the request runs, and forgotten the moment an erasure
(`request.contact_erased`) arrives.

The copy is one document per request. The erasure replaces it with a tombstone, and a
sender that fetched the details just before tries to insert its copy after: the insert
meets the tombstone and loses, so an erased contact is never brought back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import httpx
from nigrani_shared.clock import utc_now
from nigrani_shared.store.client import Document
from nigrani_shared.store.writes import insert_or_get
from pydantic import SecretStr
from pymongo.asynchronous.collection import AsyncCollection

from nigrani_notify.messages import Language

Reach = Literal["reachable", "no_contact", "erased"]


@dataclass(frozen=True)
class CitizenContact:
    reach: Reach
    email: str | None = None
    phone: str | None = None
    language: Language = "en"


NO_CONTACT = CitizenContact("no_contact")
ERASED = CitizenContact("erased")


class ContactUnavailableError(Exception):
    """Intake could not be asked just now: the attempt is tried again later."""


class IntakeContacts:
    """GET /internal/v1/requests/{code}/contact, with the service token, over a client
    whose base URL is intake's (one connection pool for the process)."""

    def __init__(self, client: httpx.AsyncClient, token: SecretStr | None) -> None:
        self._client = client
        self._token = token

    async def fetch(self, request_id: str) -> CitizenContact:
        if self._token is None:
            raise ContactUnavailableError("no INTERNAL_API_TOKEN configured")
        url = f"/internal/v1/requests/{request_id}/contact"
        headers = {"Authorization": f"Bearer {self._token.get_secret_value()}"}
        try:
            response = await self._client.get(url, headers=headers)
        except httpx.HTTPError as error:
            raise ContactUnavailableError(type(error).__name__) from None
        if response.status_code == 404:
            return NO_CONTACT
        if response.status_code != 200:
            raise ContactUnavailableError(f"intake answered {response.status_code}")
        body = response.json()
        if body.get("erased"):
            return ERASED
        contact = body.get("contact") or {}
        if not (contact.get("email") or contact.get("phone")):
            return NO_CONTACT
        return CitizenContact(
            "reachable",
            email=contact.get("email"),
            phone=contact.get("phone"),
            language="ur" if contact.get("language") == "ur" else "en",
        )


class ContactBook:
    def __init__(self, copies: AsyncCollection[Document], intake: IntakeContacts) -> None:
        self._copies = copies
        self._intake = intake

    async def contact_of(self, request_id: str) -> CitizenContact:
        stored = await self._copies.find_one({"_id": request_id})
        if stored is None:
            fetched = await self._intake.fetch(request_id)
            outcome = await insert_or_get(self._copies, _document(request_id, fetched))
            stored = outcome.stored or _document(request_id, fetched)
        return CitizenContact(
            reach=stored["reach"],
            email=stored.get("email"),
            phone=stored.get("phone"),
            language=stored.get("language", "en"),
        )

    async def erase(self, request_id: str, at: datetime | None = None) -> None:
        await self._copies.replace_one(
            {"_id": request_id},
            {"reach": "erased", "erased_at": at or utc_now()},
            upsert=True,
        )


def _document(request_id: str, contact: CitizenContact) -> Document:
    return {
        "_id": request_id,
        "reach": contact.reach,
        "email": contact.email,
        "phone": contact.phone,
        "language": contact.language,
        "at": utc_now(),
    }
