"""Public holidays from the `holidays` package, less the days the government did not give.

The package computes Islamic holidays from the astronomical calendar; the government fixes
them by moon sighting, often days before. Days it adds arrive as closures (closures.yaml);
an estimated day that turned out to be a working day is listed there as an opening and
taken out here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import holidays


def supported(country: str) -> bool:
    return country in holidays.list_supported_countries()


class PublicHolidays:
    """`day in PublicHolidays("PK")` for a local date; years are computed when first asked."""

    def __init__(self, country: str, openings: Collection[dt.date] = ()) -> None:
        self.country = country
        self._package = holidays.country_holidays(country)
        self._openings = frozenset(openings)

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, dt.date) or day in self._openings:
            return False
        return day in self._package

    def name(self, day: dt.date) -> str | None:
        return None if day not in self else self._package.get(day)
