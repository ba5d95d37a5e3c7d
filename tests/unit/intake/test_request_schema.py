import unicodedata
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nigrani_intake.submissions.schemas import RequestCreate
from nigrani_shared.text import ALLOWED_FORMAT_CHARACTERS, multi_line, single_line
from pydantic import ValidationError
from pydantic_core import PydanticCustomError

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


def _value_at(path: str) -> str:
    target: Any = VALID
    for part in path.split("."):
        target = target[part]
    assert isinstance(target, str)
    return target


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


TEXT_FIELDS = [
    "category",
    "description",
    "location.address",
    "location.district",
    "contact.name",
    "contact.phone",
    "contact.email",
]
REFUSED = [
    ("\u0000", "text_control_character"),
    ("\u001b", "text_control_character"),  # ESC: terminal escape sequences
    ("\u007f", "text_control_character"),
    ("\u0085", "text_control_character"),  # a C1 control
    ("\u202e", "text_format_character"),  # RIGHT-TO-LEFT OVERRIDE
    ("\u2066", "text_format_character"),  # LEFT-TO-RIGHT ISOLATE
    ("\u200b", "text_format_character"),  # ZERO WIDTH SPACE
    ("\ufeff", "text_format_character"),  # a byte-order mark
]


def _errors(body: dict[str, Any]) -> list[Any]:
    with pytest.raises(ValidationError) as raised:
        RequestCreate.model_validate(body)
    return raised.value.errors()


@pytest.mark.parametrize("path", TEXT_FIELDS)
@pytest.mark.parametrize(("character", "kind"), REFUSED)
def test_control_and_invisible_format_characters_are_refused_in_every_text_field(
    path: str, character: str, kind: str
) -> None:
    original = _value_at(path)
    tainted = original[:3] + character + original[3:]
    errors = _errors(_with(path, tainted))
    assert [(".".join(map(str, e["loc"])), e["type"]) for e in errors] == [(path, kind)]
    assert f"U+{ord(character):04X}" in errors[0]["msg"]
    assert original[3:] not in errors[0]["msg"]


@pytest.mark.parametrize("path", [p for p in TEXT_FIELDS if p != "description"])
@pytest.mark.parametrize("character", ["\n", "\r", "\t"])
def test_line_breaks_and_tabs_are_refused_inside_single_line_fields(
    path: str, character: str
) -> None:
    original = _value_at(path)
    errors = _errors(_with(path, original[:3] + character + original[3:]))
    assert errors[0]["type"] == "text_control_character"


def test_a_description_keeps_line_breaks_and_tabs_with_unix_line_endings() -> None:
    request = RequestCreate.model_validate(_with("description", "No water\r\nsince\tMonday\r!"))
    assert request.description == "No water\nsince\tMonday\n!"


def test_urdu_joiners_and_direction_marks_are_kept() -> None:
    name = "\u0645\u062d\u0645\u062f\u200c\u0639\u0644\u06cc \u200f(Ali)"
    request = RequestCreate.model_validate(_with("contact.name", name))
    assert request.contact is not None
    assert request.contact.name == name


def test_text_is_stored_in_nfc_and_single_line_spacing_is_collapsed() -> None:
    request = RequestCreate.model_validate(
        _with("location.district", "  Dera \u00a0Ghazi   Khan Cafe\u0301 ")
    )
    assert request.location is not None
    assert request.location.district == "Dera Ghazi Khan Caf\u00e9"
    described = RequestCreate.model_validate(_with("description", "Cafe\u0301  closed"))
    assert described.description == "Caf\u00e9  closed"


def test_invisible_only_text_is_blank() -> None:
    errors = _errors(_with("location.district", "\u200c\u200d"))
    assert errors[0]["type"] == "text_blank"


def test_a_lone_surrogate_is_refused() -> None:
    errors = _errors(_with("location.district", "La\ud800hore"))
    assert errors[0]["type"] == "string_unicode"
    with pytest.raises(PydanticCustomError, match="U\\+DFFF"):
        single_line("La\udfffhore")


@given(st.text(max_size=40))
def test_whatever_is_accepted_is_nfc_and_free_of_control_and_format_characters(
    text: str,
) -> None:
    for clean, allowed in ((single_line, ""), (multi_line, "\n\t")):
        try:
            result = clean(text)
        except PydanticCustomError:
            continue
        assert unicodedata.is_normalized("NFC", result)
        for character in result:
            category = unicodedata.category(character)
            assert category not in ("Cc", "Cs") or character in allowed
            assert category != "Cf" or character in ALLOWED_FORMAT_CHARACTERS


@given(st.text(max_size=20), st.sampled_from([c for c, _ in REFUSED]), st.text(max_size=20))
def test_any_text_carrying_a_refused_character_is_refused(
    before: str, character: str, after: str
) -> None:
    for clean in (single_line, multi_line):
        with pytest.raises(PydanticCustomError):
            clean(before + character + after)


@pytest.mark.parametrize("blank", ["\u2800", "\u3164 \u3164", "\u0301\u0301", "\ufe0f", " \u200d "])
def test_text_that_shows_nothing_is_blank(blank: str) -> None:
    with pytest.raises(ValidationError, match="must contain visible characters"):
        RequestCreate.model_validate({"category": "water.no_supply", "description": blank})
