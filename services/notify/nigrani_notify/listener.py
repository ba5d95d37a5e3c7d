"""The consumer's side: from each lifecycle or SLA event, the deliveries it owes.

Order matters. The deliveries (and their first attempts) are recorded before notify's
view of the request moves: a crash between the two redelivers the event, which plans the
same deliveries under the same keys and finds them recorded. The other order would lose
them (the redelivered event would look applied and plan nothing).

An event older than the horizon still moves the view but tells nobody: a first start, or
one after a long outage, must not flood citizens with stale news.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from nigrani_shared.clock import utc_now
from nigrani_shared.events import (
    CaseChanged,
    ContactErased,
    DeadlineSet,
    EventData,
    EventEnvelope,
    NotificationFailed,
    NotificationSent,
    RequestRouted,
    RequestRoutedV1,
    RequestSubmitted,
    RequestSubmittedV1,
    RequestSubmittedV2,
)
from nigrani_shared.events.registry import EVENT_MODELS
from nigrani_shared.kafka.runtime import Handler

from nigrani_notify import metrics
from nigrani_notify.addressing import Subscriptions
from nigrani_notify.cases import (
    CaseView,
    CaseViews,
    after_case_changed,
    after_deadline_set,
    after_routed,
    after_submitted,
)
from nigrani_notify.contacts import ContactBook
from nigrani_notify.deliveries import Delivery
from nigrani_notify.messages import delivery_key
from nigrani_notify.planning import Planner
from nigrani_notify.shaping import deliveries_of
from nigrani_notify.waiting import WaitingReminders
from nigrani_notify.webhooks.payload import NotDeliverableError, webhook_body

logger = logging.getLogger(__name__)

Enqueue = Callable[[Sequence[Delivery]], Awaitable[None]]


def webhook_body_of(envelope: EventEnvelope) -> str | None:
    """The webhook body of an event (its allow-listed fields), or None when the event is
    never for subscribers."""
    try:
        return webhook_body(envelope).decode()
    except NotDeliverableError:
        return None


WebhookBody = Callable[[EventEnvelope], str | None]
OWN_EVENTS = (NotificationSent, NotificationFailed)


def moved(view: CaseView, event: EventData) -> CaseView:
    if isinstance(event, RequestSubmitted | RequestSubmittedV2 | RequestSubmittedV1):
        return after_submitted(view, event)
    if isinstance(event, RequestRouted | RequestRoutedV1):
        return after_routed(view, event)
    if isinstance(event, CaseChanged):
        return after_case_changed(view, event)
    if isinstance(event, DeadlineSet):
        return after_deadline_set(view, event)
    return view


class Listener:
    def __init__(
        self,
        *,
        cases: CaseViews,
        contacts: ContactBook,
        planner: Planner,
        reminders: WaitingReminders,
        subscriptions: Subscriptions,
        webhook_body: WebhookBody = webhook_body_of,
        enqueue: Enqueue,
        horizon: timedelta,
    ) -> None:
        self._cases = cases
        self._contacts = contacts
        self._planner = planner
        self._reminders = reminders
        self._subscriptions = subscriptions
        self._webhook_body = webhook_body
        self._enqueue = enqueue
        self._horizon = horizon
        # Between recording what is owed and moving the view, for tests that force it.
        self.between_writes: Callable[[EventEnvelope], Awaitable[None]] | None = None

    def handlers(self) -> dict[str, Handler]:
        """Every event type: webhook subscribers may ask for any of them."""
        return {event_type: self.on_event for event_type in EVENT_MODELS}

    async def on_event(self, envelope: EventEnvelope) -> None:
        data = envelope.data
        if isinstance(data, OWN_EVENTS):
            return
        request_id = getattr(data, "request_id", None)
        if isinstance(data, ContactErased):
            await self._contacts.erase(data.request_id, data.erased_at)
        if not isinstance(request_id, str):
            return
        view = await self._cases.get(request_id)
        if utc_now() - envelope.time > self._horizon:
            metrics.STALE_EVENTS.labels(envelope.type).inc()
        else:
            await self._enqueue(await self._owed(envelope, view))
            if isinstance(data, CaseChanged) and data.case_version > view.case_version:
                await self._reminders.watch(data)
        if self.between_writes is not None:
            await self.between_writes(envelope)
        after = moved(view, data)
        if after != view:
            await self._cases.save(after, utc_now())

    async def _owed(self, envelope: EventEnvelope, view: CaseView) -> list[Delivery]:
        data = envelope.data
        department = getattr(data, "department_code", None) or view.department_code
        owed = deliveries_of(
            self._planner.plan(data, view),
            event_id=envelope.id,
            event_type=envelope.type,
            request_id=view.request_id,
            department_code=department,
            event_time=envelope.time,
        )
        body = self._webhook_body(envelope)
        if body is not None:
            for subscription in await self._subscriptions.matching(envelope.type):
                recipient = f"subscription:{subscription.id}"
                owed.append(
                    Delivery(
                        key=delivery_key(envelope.id, "webhook", recipient),
                        event_id=envelope.id,
                        event_type=envelope.type,
                        request_id=view.request_id,
                        kind=envelope.type,
                        channel="webhook",
                        audience="subscriber",
                        recipient=recipient,
                        department_code=department,
                        event_time=envelope.time,
                        body=body,
                    )
                )
        return owed
