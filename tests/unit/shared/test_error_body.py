"""The shared 422: bounded in size, names fields, never quotes what was sent."""

from __future__ import annotations

from typing import Annotated, Literal

import httpx
import pytest
from fastapi import Body, FastAPI
from nigrani_shared.web.errors import (
    MAX_ERRORS,
    MAX_REASON_LENGTH,
    field_name,
    install_error_handlers,
    reason,
)
from pydantic import BaseModel, ConfigDict, Field


class _Cat(BaseModel):
    kind: Literal["cat"]


class _Dog(BaseModel):
    kind: Literal["dog"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field(max_length=10)
    pet: Annotated[_Cat | _Dog, Field(discriminator="kind")] | None = None
    language: Literal["en", "ur"] = "en"


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/things")
    async def things(body: Annotated[_Body, Body()]) -> dict[str, str]:
        return {}

    return app


async def _post(json: object) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.post("/things", json=json)


async def test_thousands_of_unknown_fields_give_a_small_body_with_a_count() -> None:
    body: dict[str, object] = {"name": "Ayesha"}
    body.update({f"field_{n}": n for n in range(5000)})
    response = await _post(body)
    assert response.status_code == 422
    assert len(response.content) < 4096
    answer = response.json()
    assert len(answer["errors"]) == MAX_ERRORS
    assert answer["more_errors"] == 5000 - MAX_ERRORS
    assert answer["errors"][0] == {
        "field": "body.<unknown field>",
        "reason": "Extra inputs are not permitted",
    }


@pytest.mark.parametrize(
    "key",
    [
        "k" * 65,  # long keys are not echoed
        "Ayesha Siddiqui +923001234567",  # personal data typed as a key
        "ayesha_khan_03001234567",  # personal data that looks like a field name
        "03000000000",
        "\u0000",
    ],
)
async def test_an_unknown_key_is_never_echoed(key: str) -> None:
    response = await _post({"name": "x", key: 1})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.<unknown field>"]
    assert key not in response.text


async def test_a_discriminator_tag_is_not_quoted_back() -> None:
    response = await _post({"name": "x", "pet": {"kind": "secret-tag-value"}})
    assert response.status_code == 422
    assert "secret-tag-value" not in response.text
    assert response.json()["errors"][0]["field"] == "body.pet"


async def test_allowed_values_and_limits_are_stated() -> None:
    response = await _post({"name": "Ayesha Siddiqui", "language": "fr"})
    reasons = {e["field"]: e["reason"] for e in response.json()["errors"]}
    assert reasons == {
        "body.name": "String should have at most 10 characters",
        "body.language": "Input should be 'en' or 'ur'",
    }
    assert "Ayesha" not in response.text
    assert "more_errors" not in response.json()  # only present when errors were left out


def test_a_message_that_quotes_the_input_is_replaced() -> None:
    error = {
        "type": "value_error",
        "msg": "Value error, invalid literal for int() with base 10: '03001234567'",
        "input": "03001234567",
    }
    assert reason(error) == "is not valid (value_error)"


def test_our_own_error_types_keep_their_message_and_every_reason_is_bounded() -> None:
    own = {"type": "text_control_character", "msg": "contains U+0000", "input": "a\x00"}
    assert reason(own) == "contains U+0000"
    long = {"type": "value_error", "msg": "x" * 1000, "input": 1}
    assert len(reason(long)) == MAX_REASON_LENGTH


def test_field_names_are_bounded_in_depth() -> None:
    assert field_name(("body", "items", 3, "name")) == "body.items.3.name"
    assert field_name(tuple(["a"] * 100)).count(".") < 10
