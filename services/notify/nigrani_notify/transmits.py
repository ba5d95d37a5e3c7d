"""The last step of an attempt on each channel: render (e-mail, SMS) or take the stored
body (webhooks) and hand it to the channel's sender."""

from __future__ import annotations

from typing import Protocol, cast

from nigrani_notify.addressing import Address
from nigrani_notify.deliveries import Delivery
from nigrani_notify.dispatcher import Transmit
from nigrani_notify.messages import Language, MessageKind, Rendered, SendResult
from nigrani_notify.templating import TemplateProblem, Templates
from nigrani_notify.webhooks.sender import WebhookSender


class EmailSending(Protocol):
    async def send(
        self, key: str, to_address: str, language: Language, rendered: Rendered
    ) -> SendResult: ...


class SmsSending(Protocol):
    async def send(self, key: str, to_number: str, text: str) -> SendResult: ...


def _render(
    templates: Templates, delivery: Delivery, channel: str, language: Language
) -> Rendered | SendResult:
    try:
        kind = cast(MessageKind, delivery.kind)
        return templates.render(
            kind, "email" if channel == "email" else "sms", language, delivery.context
        )
    except (TemplateProblem, ValueError):
        # Start-up rendered every template with its sample; a stored context that no
        # longer fits (templates changed since) will not fit on a retry either.
        return SendResult.permanent("template_error")


def email_transmit(templates: Templates, sender: EmailSending) -> Transmit:
    async def transmit(delivery: Delivery, address: Address) -> SendResult:
        rendered = _render(templates, delivery, "email", address.language)
        if isinstance(rendered, SendResult):
            return rendered
        assert address.to is not None
        return await sender.send(delivery.key, address.to, address.language, rendered)

    return transmit


def sms_transmit(templates: Templates, sender: SmsSending) -> Transmit:
    async def transmit(delivery: Delivery, address: Address) -> SendResult:
        rendered = _render(templates, delivery, "sms", address.language)
        if isinstance(rendered, SendResult):
            return rendered
        assert address.to is not None
        return await sender.send(delivery.key, address.to, rendered.text)

    return transmit


def webhook_transmit(sender: WebhookSender) -> Transmit:
    async def transmit(delivery: Delivery, address: Address) -> SendResult:
        assert address.subscription is not None
        assert delivery.body is not None
        return await sender.send(delivery.key, address.subscription, delivery.body.encode())

    return transmit
