"""The districts a request can be placed in: matched forgivingly, stored canonically.

A submitted district is free text. Stored, routed, announced and shown as typed, it would
carry whatever a citizen wrote ("Ayesha Khan 0300...") into the public view, the retained
lifecycle topic and routing's cases. So it is matched against a closed list (English,
Urdu and other spellings, regardless of case, spacing and Unicode form) and only the
canonical name goes anywhere; text that matches nothing stays private in the request.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from nigrani_shared.text import comparison_key
from pydantic import BaseModel, ConfigDict

DEFAULT_DISTRICTS_PATH = Path(__file__).with_name("districts.yaml")


class District(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    name_ur: str
    aliases: tuple[str, ...] = ()


class DistrictsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    districts: list[District]


class Districts:
    def __init__(self, districts: list[District]) -> None:
        self._all = list(districts)
        self._by_key: dict[str, str] = {}
        for district in districts:
            for spelling in (district.name, district.name_ur, *district.aliases):
                key = comparison_key(spelling)
                if self._by_key.setdefault(key, district.name) != district.name:
                    raise ValueError(f"the spelling {spelling!r} names two districts")

    def canonical(self, typed: str | None) -> str | None:
        """The district's canonical name, or None when the text names none we know."""
        return None if typed is None else self._by_key.get(comparison_key(typed))

    def all(self) -> list[District]:
        return list(self._all)


def load_districts(path: Path = DEFAULT_DISTRICTS_PATH) -> Districts:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Districts(DistrictsFile.model_validate(raw).districts)
