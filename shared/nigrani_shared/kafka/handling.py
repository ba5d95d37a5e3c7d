"""What the consumer loop does with one record: decode, skip, apply, retry, dead-letter.

Outcomes counted in `nigrani_events_handled_total`:
- `handled`: the handler's effect is stored (and, for groups that dedupe by event id, the
  event id recorded);
- `duplicate`: the event id was already applied (a redelivery, where ids are recorded);
- `ignored`: a known type this group has no handler for;
- `unknown_type`: a valid envelope of a type this build does not know (a producer shipped
  it first) and of a family this group does not act on: skipped and committed;
- `dead_lettered`: undecodable; or a newer, unknown version of a type this group acts on
  (replayable once the group knows it); or the handler failed or timed out
  `max_attempts` times.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, TypeAlias, TypeVar

from aiokafka.structs import ConsumerRecord

from nigrani_shared.events.codec import UndecodableEventError, UnknownEventTypeError, decode_event
from nigrani_shared.events.envelope import EventEnvelope
from nigrani_shared.kafka.dead_letters import send_to_dead_letters
from nigrani_shared.kafka.metrics import EVENTS_HANDLED, HANDLER_SECONDS
from nigrani_shared.kafka.producer_handle import ProducerHandle
from nigrani_shared.kafka.retry import HandlerTimeoutError, Stopping, is_transient
from nigrani_shared.logging import log_context
from nigrani_shared.outage import OutageLog
from nigrani_shared.store.processed import ProcessedEvents

if TYPE_CHECKING:
    from nigrani_shared.kafka.runtime import ConsumerConfig

logger = logging.getLogger(__name__)

Handler = Callable[[EventEnvelope], Awaitable[None]]
InfrastructureCheck = Callable[[], Awaitable[bool]]
Record: TypeAlias = ConsumerRecord[bytes, bytes]
_T = TypeVar("_T")
UNKNOWN_TYPE_LABEL = "unknown"


class EventApplier:
    def __init__(
        self,
        *,
        config: ConsumerConfig,
        handlers: Mapping[str, Handler],
        producer: ProducerHandle,
        processed: ProcessedEvents,
        stopping: asyncio.Event,
        infrastructure_up: InfrastructureCheck | None,
    ) -> None:
        self._config = config
        self._handlers = dict(handlers)
        self._handled_families = {type_family(event_type) for event_type in handlers}
        self._producer = producer
        self._processed = processed
        self._stopping = stopping
        self._infrastructure_up = infrastructure_up
        self._outage = OutageLog(logger, f"store or Kafka (group {config.group_id})")

    async def apply(self, record: Record) -> None:
        group = self._config.group_id
        try:
            envelope = decode_event(record.value)
        except UnknownEventTypeError as unknown:
            # One label for every unknown type: a label taken from the record would let
            # anyone who can write to the topic grow the metric without bound.
            label = UNKNOWN_TYPE_LABEL
            if type_family(unknown.event_type) in self._handled_families:
                # A newer version of an event this group acts on: skipping it would lose
                # the effect for good. Dead-lettered, it is replayed once this service
                # knows the version.
                await self._dead_letter(record, unknown, attempts=1)
                EVENTS_HANDLED.labels(group, label, "dead_lettered").inc()
                return
            EVENTS_HANDLED.labels(group, label, "unknown_type").inc()
            return
        except UndecodableEventError as error:
            await self._dead_letter(record, error, attempts=1)
            EVENTS_HANDLED.labels(group, "undecodable", "dead_lettered").inc()
            return
        with log_context(request_id=envelope.subject, event_id=envelope.id):
            outcome = await self._dispatch(record, envelope)
        EVENTS_HANDLED.labels(group, envelope.type, outcome).inc()

    async def _dispatch(self, record: Record, envelope: EventEnvelope) -> str:
        handler = self._handlers.get(envelope.type)
        if handler is None:
            return "ignored"
        if await self._with_infra_retry(lambda: self._processed.already_applied(envelope.id)):
            return "duplicate"
        started = time.perf_counter()
        try:
            return await self._handle_with_retries(record, envelope, handler)
        finally:
            HANDLER_SECONDS.labels(self._config.group_id, envelope.type).observe(
                time.perf_counter() - started
            )

    async def _handle_with_retries(
        self, record: Record, envelope: EventEnvelope, handler: Handler
    ) -> str:
        attempt = 0
        while True:
            try:
                await self._with_infra_retry(lambda: self._call(handler, envelope))
                await self._with_infra_retry(lambda: self._processed.record(envelope.id))
                return "handled"
            except Stopping:
                raise
            except HandlerTimeoutError as error:
                if not await self._counts_against_the_event():
                    self._outage.failed(error)
                    await self._pause(self._outage.retries + 1)
                    continue
                attempt += 1
                last_error: Exception = error
            except Exception as error:
                attempt += 1
                last_error = error
            if attempt >= self._config.max_attempts:
                logger.warning(
                    "giving up on event", extra={"error_type": type(last_error).__name__}
                )
                await self._dead_letter(record, last_error, attempts=attempt)
                return "dead_lettered"
            await self._pause(attempt)

    async def _call(self, handler: Handler, envelope: EventEnvelope) -> None:
        """One handler call under the group's timeout; our timeout is not an outage."""
        seconds = self._config.handler_timeout_seconds
        try:
            async with asyncio.timeout(seconds) as deadline:
                await handler(envelope)
        except TimeoutError as error:
            if deadline.expired():
                raise HandlerTimeoutError(envelope.type, seconds) from error
            raise  # the handler's own client timed out: an outage, retried as such

    async def _counts_against_the_event(self) -> bool:
        """A handler stuck on a store or broker that stopped answering is an outage, not a
        poison message: only a timeout while both answer counts towards the DLQ."""
        if self._infrastructure_up is None:
            return True
        try:
            return await asyncio.wait_for(self._infrastructure_up(), 10.0)
        except Exception:
            return False

    async def _pause(self, attempt: int) -> None:
        if self._stopping.is_set():
            raise Stopping
        await asyncio.sleep(self._config.backoff.delay(attempt))

    async def _with_infra_retry(self, operation: Callable[[], Awaitable[_T]]) -> _T:
        attempt = 0
        while True:
            try:
                result = await operation()
                self._outage.recovered()
                return result
            except Exception as error:
                if not is_transient(error):
                    raise
                attempt += 1
                self._outage.failed(error)
                if self._stopping.is_set():
                    raise Stopping from error
                await asyncio.sleep(self._config.backoff.delay(attempt))

    async def _dead_letter(self, record: Record, error: BaseException, *, attempts: int) -> None:
        await self._with_infra_retry(
            lambda: send_to_dead_letters(
                self._producer,
                self._config.dead_letter_topic,
                record,
                group_id=self._config.group_id,
                error=error,
                attempts=attempts,
            )
        )
        # Where it went and why, never what it held (the value may be anything).
        logger.warning(
            "message dead-lettered",
            extra={
                "error_type": type(error).__name__,
                "attempts": attempts,
                "dead_letter_topic": self._config.dead_letter_topic,
                "source": f"{record.topic}/{record.partition}/{record.offset}",
            },
        )


def type_family(event_type: str) -> str:
    """`org.nigrani.request.submitted.v2` -> `org.nigrani.request.submitted`."""
    name, dot, version = event_type.rpartition(".")
    return name if dot and version.startswith("v") and version[1:].isdigit() else event_type
