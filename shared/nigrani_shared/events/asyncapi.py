"""The AsyncAPI 3.0 document of Nigrani's topics and events, generated from the models.

`python -m nigrani_shared.events.asyncapi > docs/asyncapi.json` writes it; a contract test
fails when the committed document and the models disagree, so a published event cannot be
edited without that showing up in review (a breaking change gets a new `.vN` type instead).
"""

from __future__ import annotations

import json
from typing import Any

from nigrani_shared.events.registry import EVENT_MODELS

ENVELOPE_FIELDS = {
    "specversion": {"const": "1.0"},
    "id": {"type": "string", "description": "Deterministic for derived events"},
    "source": {"type": "string", "examples": ["/nigrani/intake"]},
    "type": {"type": "string"},
    "subject": {"type": "string", "description": "The request id (tracking code)"},
    "time": {"type": "string", "format": "date-time"},
    "datacontenttype": {"const": "application/json"},
}


def _message(event_type: str, payload_schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": event_type,
        "contentType": "application/cloudevents+json",
        "headers": {"type": "object", "properties": {"ce_type": {"const": event_type}}},
        "payload": {
            "type": "object",
            "required": [*ENVELOPE_FIELDS, "data"],
            "properties": {
                **ENVELOPE_FIELDS,
                "type": {"const": event_type},
                "data": payload_schema,
            },
        },
    }


def build_document() -> dict[str, Any]:
    names = {event_type: event_type.replace(".", "_") for event_type in sorted(EVENT_MODELS)}
    messages = {
        names[event_type]: _message(event_type, EVENT_MODELS[event_type].model_json_schema())
        for event_type in names
    }
    refs = {name: {"$ref": f"#/components/messages/{name}"} for name in messages}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Nigrani events",
            "version": "1",
            "description": "CloudEvents 1.0 in structured mode; Kafka key = request id.",
        },
        "channels": {
            "lifecycle": {
                "address": "{prefix}.requests.lifecycle",
                "parameters": {"prefix": {"default": "nigrani"}},
                "messages": refs,
            },
            "deadLetters": {
                "address": "{prefix}.dlq.{group}",
                "parameters": {"prefix": {"default": "nigrani"}, "group": {}},
                "description": "Original key, value and headers, plus nigrani-dlq-* headers "
                "(error, group, topic, partition, offset, attempts, failed-at).",
            },
        },
        "components": {"messages": messages},
    }


if __name__ == "__main__":
    print(json.dumps(build_document(), indent=2, ensure_ascii=False))
