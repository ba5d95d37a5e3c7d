"""The lifecycle event built from a request document carries nothing erasable."""

from datetime import UTC, datetime

from nigrani_intake.submissions.documents import submitted_event


def _request(*, sensitive: bool, anonymous: bool = False) -> dict[str, object]:
    return {
        "_id": "ABCD-EFGH-JKMN",
        "category": "police.harassment" if sensitive else "water.no_supply",
        "sensitive": sensitive,
        "anonymous": anonymous,
        "description": "Call Ayesha on 0300 1234567",
        "location": {
            "lat": 31.5204,
            "lon": 74.3587,
            "address": "7 Canal View",
            "district": "Lahore",
        },
        "contact": {"name": "Ayesha", "phone": "+923001234567", "language": "ur"},
        "channel": "web",
        "submitted_at": datetime(2026, 11, 1, tzinfo=UTC),
    }


def test_no_description_address_or_contact_in_the_event() -> None:
    text = submitted_event(_request(sensitive=False)).model_dump_json()
    for secret in ("Ayesha", "1234567", "Canal View"):
        assert secret not in text
    assert "31.5204" in text  # routing by area needs the point of an ordinary request


def test_sensitive_and_anonymous_requests_carry_the_district_but_no_point() -> None:
    for request in (_request(sensitive=True), _request(sensitive=False, anonymous=True)):
        event = submitted_event(request)
        text = event.model_dump_json()
        assert "31.5204" not in text
        assert "74.3587" not in text
        assert '"district":"Lahore"' in text
