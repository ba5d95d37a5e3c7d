"""From planned messages to deliveries: one per channel, keyed by event x channel x
recipient."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from nigrani_notify.deliveries import Delivery
from nigrani_notify.messages import delivery_key
from nigrani_notify.planning import Planned


def deliveries_of(
    planned: Sequence[Planned],
    *,
    event_id: str,
    event_type: str,
    request_id: str,
    department_code: str | None,
    event_time: datetime,
) -> list[Delivery]:
    return [
        Delivery(
            key=delivery_key(event_id, channel, item.recipient),
            event_id=event_id,
            event_type=event_type,
            request_id=request_id,
            kind=item.kind,
            channel=channel,
            audience=item.audience,
            recipient=item.recipient,
            department_code=department_code,
            event_time=event_time,
            context=dict(item.context),
        )
        for item in planned
        for channel in item.channels
    ]
