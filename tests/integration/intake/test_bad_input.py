"""Guarantee 5: bad input gets a clear 4xx naming the field, and nothing is written."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.infra import Infra
from tests.support.kafka import events_on_topic
from tests.support.requests import routed_view, water_request
from tests.support.system import running_system
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


def _location(**changes: Any) -> dict[str, Any]:
    return {**water_request()["location"], **changes}


def _contact(**changes: Any) -> dict[str, Any]:
    return {**water_request()["contact"], **changes}


BAD_BODIES: list[tuple[str, dict[str, Any], str]] = [
    ("unknown category", water_request(category="zoo.tiger"), "body.category"),
    ("empty description", water_request(description="  "), "body.description"),
    ("over-long description", water_request(description="x" * 4001), "body.description"),
    ("latitude out of range", water_request(location=_location(lat=95.0)), "body.location.lat"),
    ("longitude out of range", water_request(location=_location(lon=-200)), "body.location.lon"),
    ("coordinate as text", water_request(location=_location(lat="31.5")), "body.location.lat"),
    (
        "malformed phone",
        water_request(contact=_contact(phone="0300-CALL-ME")),
        "body.contact.phone",
    ),
    ("malformed e-mail", water_request(contact=_contact(email="ayesha@")), "body.contact.email"),
    ("unknown field", water_request(priority="urgent"), "body.<unknown field>"),
    ("wrong type", water_request(description=["no", "water"]), "body.description"),
    (
        "missing category",
        {k: v for k, v in water_request().items() if k != "category"},
        "body.category",
    ),
    (
        "NUL in the district",
        water_request(location=_location(district="La\u0000hore")),
        "body.location.district",
    ),
    (
        "direction override in the name",
        water_request(contact=_contact(name="Ayesha \u202eiuqiddiS")),
        "body.contact.name",
    ),
    (
        "escape sequence in the description",
        water_request(description="No water \u001b[2J since Monday"),
        "body.description",
    ),
    (
        "contact on an anonymous category",
        water_request(category="integrity.bribe_demanded"),
        "body.contact",
    ),
]


async def _nothing_stored(system: Any) -> None:
    assert await system.intake_db["requests"].count_documents({}) == 0
    assert await system.intake_db["outbox"].count_documents({}) == 0


@pytest.mark.parametrize(("case", "body", "field"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
async def test_bad_input_is_refused_with_the_field_and_nothing_is_stored(
    infra: Infra, case: str, body: dict[str, Any], field: str
) -> None:
    async with running_system(infra, with_routing=False) as system:
        response = await system.intake.post("/v1/requests", json=body)
        assert response.status_code == 422, response.text
        errors = response.json()["errors"]
        assert field in [e["field"] for e in errors], errors
        assert all(e["reason"] for e in errors)
        await _nothing_stored(system)


async def test_oversized_malformed_and_badly_keyed_requests(infra: Infra) -> None:
    async with running_system(infra, with_routing=False) as system:
        huge = await system.intake.post(
            "/v1/requests", json=water_request(description="x" * 200_000)
        )
        assert huge.status_code == 413
        not_json = await system.intake.post(
            "/v1/requests", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert not_json.status_code == 422
        short_key = await system.intake.post(
            "/v1/requests", json=water_request(), headers={"Idempotency-Key": "abc"}
        )
        assert short_key.status_code == 422
        assert short_key.json()["errors"][0]["field"] == "header.Idempotency-Key"
        await _nothing_stored(system)


async def test_validation_errors_do_not_echo_personal_data(infra: Infra) -> None:
    async with running_system(infra, with_routing=False) as system:
        body = water_request(contact=_contact(phone="my number is 0300 1234567 x"))
        response = await system.intake.post("/v1/requests", json=body)
        assert response.status_code == 422
        assert "1234567" not in response.text
        assert "Ayesha" not in response.text


async def test_text_is_stored_in_nfc_with_single_spaces(infra: Infra) -> None:
    async with running_system(infra, with_routing=False) as system:
        body = water_request(
            description="Cafe\u0301 closed,\r\nno water",
            location=_location(district="  Dera  Ghazi\u00a0Khan "),
        )
        response = await system.intake.post("/v1/requests", json=body)
        assert response.status_code == 201, response.text
        stored = await system.intake_db["requests"].find_one(
            {"_id": response.json()["tracking_code"]}
        )
        assert stored is not None
        assert stored["description"] == "Caf\u00e9 closed,\nno water"
        assert stored["location"]["district"] == "Dera Ghazi Khan"


async def test_thousands_of_unknown_fields_get_a_small_bounded_error_body(infra: Infra) -> None:
    async with running_system(infra, with_routing=False) as system:
        body = water_request(**{f"x{n}": 0 for n in range(5000)})
        response = await system.intake.post("/v1/requests", json=body)
        assert response.status_code == 422
        assert len(response.content) < 4096
        answer = response.json()
        assert len(answer["errors"]) == 20
        assert answer["more_errors"] == 4980
        await _nothing_stored(system)


async def test_a_long_unknown_key_is_not_echoed(infra: Infra) -> None:
    async with running_system(infra, with_routing=False) as system:
        key = "my phone is 03001234567 " * 100
        response = await system.intake.post("/v1/requests", json=water_request(**{key: 1}))
        assert response.status_code == 422
        assert "03001234567" not in response.text
        assert len(response.content) < 1024


async def test_an_unknown_category_is_not_quoted_back(infra: Infra) -> None:
    async with running_system(infra, with_routing=False) as system:
        body = water_request(category="zoo.my-secret-tiger")
        response = await system.intake.post("/v1/requests", json=body)
        assert response.status_code == 422
        assert "my-secret-tiger" not in response.text


async def test_a_district_is_stored_routed_and_shown_only_by_its_canonical_name(
    infra: Infra,
) -> None:
    """Urdu, other spellings and stray case or spacing name the district; free text that
    names none (a name and a phone number, say) is kept privately and shown nowhere."""
    async with running_system(infra) as system:
        place = water_request()["location"]
        in_urdu = water_request(location={**place, "district": "لاہور"})
        free_text = water_request(location={**place, "district": "Ayesha Khan 03001234567"})
        codes = []
        for body in (in_urdu, free_text):
            response = await system.intake.post("/v1/requests", json=body)
            assert response.status_code == 201
            codes.append(response.json()["tracking_code"])
        urdu_view, text_view = [
            await eventually(lambda c=code: routed_view(system.intake, c), within=60)
            for code in codes
        ]
        assert (urdu_view["district"], urdu_view["department"]["code"]) == ("Lahore", "WASA-LHR")
        assert text_view["district"] is None
        assert text_view["department"]["code"] == "LG-WATER"  # no district: the general desk
        events = await events_on_topic(infra.kafka_bootstrap_servers, system.topic)
        assert "03001234567" not in json.dumps(events)
        case = await system.case(codes[1])
        assert case is not None
        assert case["district"] is None
        stored = await system.intake_db["requests"].find_one({"_id": codes[1]})
        assert stored is not None
        assert stored["location"]["district_as_given"] == "Ayesha Khan 03001234567"
