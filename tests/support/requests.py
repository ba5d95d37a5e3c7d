"""Request bodies and probes shared by the integration and end-to-end tests."""

from __future__ import annotations

from typing import Any

import httpx

CONTACT = {
    "name": "Ayesha Siddiqui",
    "phone": "+923001234567",
    "email": "ayesha.siddiqui@example.pk",
    "language": "ur",
}
PERSONAL_DATA = (
    "Ayesha",
    "Siddiqui",
    "923001234567",
    "3001234567",
    "ayesha.siddiqui",
    "example.pk",
)


def water_request(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "category": "water.no_supply",
        "description": "No water in our street since Monday morning",
        "location": {
            "lat": 31.5204,
            "lon": 74.3587,
            "address": "Street 4, Gulberg III",
            "district": "Lahore",
        },
        "contact": dict(CONTACT),
        "channel": "web",
    }
    body.update(overrides)
    return body


async def public_status(client: httpx.AsyncClient, code: str) -> dict[str, Any] | None:
    response = await client.get(f"/v1/requests/{code}")
    return response.json() if response.status_code == 200 else None


async def routed_view(client: httpx.AsyncClient, code: str) -> dict[str, Any] | None:
    view = await public_status(client, code)
    return view if view is not None and view["status"] == "routed" else None
