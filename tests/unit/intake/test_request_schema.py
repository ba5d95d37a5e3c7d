from typing import Any

import pytest
from nigrani_intake.submissions.schemas import RequestCreate
from pydantic import ValidationError

VALID: dict[str, Any] = {
    "category": "water.no_supply",
    "description": "No water since Monday",
    "location": {"lat": 31.52, "lon": 74.35, "address": "12 Mall Road", "district": "Lahore"},
    "contact": {"name": "Ayesha", "phone": "+92 300 1234567", "email": "a@example.pk"},
    "channel": "web",
}


def _with(path: str, value: Any) -> dict[str, Any]:
    body = {k: (dict(v) if isinstance(v, dict) else v) for k, v in VALID.items()}
    *parents, leaf = path.split(".")
    target = body
    for part in parents:
        target = target[part]
    target[leaf] = value
    return body


def test_a_valid_request_is_accepted_and_the_phone_compacted() -> None:
    request = RequestCreate.model_validate(VALID)
    assert request.contact is not None
    assert request.contact.phone == "+923001234567"
    assert request.contact.language == "en"


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("description", "", "description"),
        ("description", "   ", "description"),
        ("description", "x" * 4001, "description"),
        ("location.lat", 91, "location.lat"),
        ("location.lon", -180.5, "location.lon"),
        ("location.lat", "31.5", "location.lat"),
        ("contact.phone", "call me", "contact.phone"),
        ("contact.email", "not-an-email", "contact.email"),
        ("contact.language", "fr", "contact.language"),
        ("channel", "pigeon", "channel"),
        ("category", 7, "category"),
        ("surprise", True, "surprise"),
        ("location.altitude", 10, "location.altitude"),
    ],
)
def test_bad_input_names_the_field(path: str, value: Any, field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        RequestCreate.model_validate(_with(path, value))
    fields = {".".join(str(p) for p in e["loc"]) for e in raised.value.errors()}
    assert field in fields
