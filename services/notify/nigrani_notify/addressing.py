"""Where a delivery goes, decided when it is sent (never stored with the delivery): the
citizen's copy of their contact, an official's entry in the recipients file, or a
webhook subscription."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from nigrani_notify.contacts import ContactBook
from nigrani_notify.deliveries import Delivery
from nigrani_notify.messages import Language
from nigrani_notify.planning import CITIZEN, Directory
from nigrani_notify.webhooks.subscription import Subscription


class Subscriptions(Protocol):
    """The part of nigrani_notify.webhooks.store the dispatcher and listener read."""

    async def get(self, subscription_id: str) -> Subscription | None: ...
    async def matching(self, event_type: str) -> Sequence[Subscription]: ...


@dataclass(frozen=True)
class Address:
    """`to` is an e-mail address or a phone number; `subscription` for a webhook."""

    to: str | None
    language: Language = "en"
    subscription: Subscription | None = None


@dataclass(frozen=True)
class Unreachable:
    """Nobody to send to on this channel. `failed`: the contact existed and was erased,
    or the subscription is gone (announced); otherwise skipped quietly (an anonymous
    request, or a citizen who gave a phone but no e-mail)."""

    reason: str
    failed: bool = False


class AddressBook:
    def __init__(
        self, contacts: ContactBook, directory: Directory, subscriptions: Subscriptions
    ) -> None:
        self._contacts = contacts
        self._directory = directory
        self._subscriptions = subscriptions

    async def address(self, delivery: Delivery) -> Address | Unreachable:
        """Raises ContactUnavailableError while intake cannot be asked."""
        kind, _, ident = delivery.recipient.partition(":")
        if delivery.recipient == CITIZEN:
            contact = await self._contacts.contact_of(delivery.request_id)
            if contact.reach == "erased":
                return Unreachable("contact_erased", failed=True)
            if contact.reach == "no_contact":
                return Unreachable("no_contact")
            to = contact.email if delivery.channel == "email" else contact.phone
            if to is None:
                return Unreachable(f"no_{delivery.channel}")
            return Address(to, contact.language)
        if kind == "staff":
            staff = self._directory.staff(ident)
            if staff is None:
                return Unreachable("unknown_staff", failed=True)
            to = staff.email if delivery.channel == "email" else staff.phone
            if to is None:
                return Unreachable(f"no_{delivery.channel}")
            return Address(to, staff.language)
        if kind == "subscription":
            subscription = await self._subscriptions.get(ident)
            if subscription is None or subscription.disabled:
                return Unreachable("subscription_disabled", failed=True)
            return Address(None, subscription=subscription)
        return Unreachable("unknown_recipient", failed=True)
