"""Jurisdictions as polygons, and the index that places a point in them.

A point on a boundary belongs to every area whose boundary it is on (shapely's `covers`,
not `contains`). With `contains`, a request on the line between two towns, or on the rim
of a hole, would fall in neither and silently lose its area rules; with `covers` it is in
both neighbours and the usual order (most specific first, then the smaller area, then the
id) decides, so the outcome is deterministic. A point inside a hole is not in the area
with the hole (a cantonment inside a town is not the town's).

The index is a shapely 2 `STRtree` over every shape: a query tests only the few shapes
whose bounding boxes hold the point, so 1,000 areas cost about what 10 do (bench/).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import shapely
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.validation import explain_validity

from nigrani_routing.rules.errors import RulesError

Level = Literal["district", "tehsil", "town"]
#: Higher is more specific: a town is inside a tehsil, a tehsil inside a district.
LEVEL_RANK: dict[str, int] = {"district": 1, "tehsil": 2, "town": 3}
_FEATURE_START = re.compile(r'"type"\s*:\s*"Feature"')


@dataclass(frozen=True)
class Area:
    id: str
    name: str
    level: Level
    shape: Polygon | MultiPolygon

    @property
    def rank(self) -> int:
        return LEVEL_RANK[self.level]


class AreaIndex:
    """Answers "which areas is this point in", most specific first. Immutable once built,
    so a reload builds a new index and swaps it in whole."""

    def __init__(self, areas: Sequence[Area]) -> None:
        # The tree keeps the order it was given: indices sorted ascending come out most
        # specific first without sorting areas on every query.
        self._areas = tuple(sorted(areas, key=lambda a: (-a.rank, a.shape.area, a.id)))
        self._by_id = {area.id: area for area in self._areas}
        self._tree = shapely.STRtree([area.shape for area in self._areas])

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(self._by_id)

    def __len__(self) -> int:
        return len(self._areas)

    def get(self, area_id: str) -> Area | None:
        return self._by_id.get(area_id)

    def areas_at(self, lat: float, lon: float) -> tuple[Area, ...]:
        """Every area covering the point (GeoJSON order: x is longitude)."""
        if not self._areas:
            return ()
        hits = self._tree.query(shapely.Point(lon, lat), predicate="covered_by")
        return tuple(self._areas[i] for i in sorted(hits.tolist()))


class _Properties(BaseModel):
    """What routing reads of a feature; GIS tools add other properties, which are kept
    out of the way rather than refused."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(pattern=r"^[a-z0-9-]{1,64}$")
    name: str = Field(min_length=1)
    level: Level


def parse_areas(raw: bytes, file_name: str) -> AreaIndex:
    """Validates a GeoJSON FeatureCollection of Polygon/MultiPolygon features."""
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise RulesError(file_name, None, f"is not UTF-8 ({error.reason})") from error
    except json.JSONDecodeError as error:
        raise RulesError(
            file_name, error.lineno, f"not valid JSON: {error.msg} (column {error.colno})"
        ) from error
    features = _features(document, file_name)
    lines = _feature_lines(raw.decode("utf-8"), len(features))
    areas: list[Area] = []
    first_line: dict[str, int | None] = {}
    for number, feature in enumerate(features):
        line = lines[number] if lines else None
        area = _area(feature, number, line, file_name)
        if area.id in first_line:
            seen = first_line[area.id]
            where = f" (first on line {seen})" if seen is not None else ""
            raise RulesError(file_name, line, f"area {area.id} appears twice{where}")
        first_line[area.id] = line
        areas.append(area)
    return AreaIndex(areas)


def _features(document: Any, file_name: str) -> list[Any]:
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise RulesError(file_name, 1, "must be a GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list):
        raise RulesError(file_name, 1, "a FeatureCollection needs a list of features")
    return features


def _feature_lines(text: str, count: int) -> list[int] | None:
    """The line each feature starts on, found by its `"type": "Feature"` member; None when
    the text is laid out so that this cannot be told (errors then name the feature)."""
    lines = [text.count("\n", 0, match.start()) + 1 for match in _FEATURE_START.finditer(text)]
    return lines if len(lines) == count else None


def _area(feature: Any, number: int, line: int | None, file_name: str) -> Area:
    label = f"feature {number + 1}"
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise RulesError(file_name, line, f"{label} is not a GeoJSON Feature")
    try:
        properties = _Properties.model_validate(feature.get("properties"))
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "properties"
        raise RulesError(file_name, line, f"{label}: {field}: {first['msg']}") from error
    label = f"area {properties.id}"
    geometry = _geometry(feature.get("geometry"), label, line, file_name)
    return Area(id=properties.id, name=properties.name, level=properties.level, shape=geometry)


def _geometry(
    geometry: Any, label: str, line: int | None, file_name: str
) -> Polygon | MultiPolygon:
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind not in ("Polygon", "MultiPolygon"):
        raise RulesError(file_name, line, f"{label}: geometry must be a Polygon or MultiPolygon")
    try:
        built = shape(geometry)
    except (GEOSException, ValueError, TypeError, IndexError, AttributeError) as error:
        raise RulesError(
            file_name, line, f"{label}: coordinates do not make a {kind} ({error})"
        ) from error
    assert isinstance(built, Polygon | MultiPolygon)
    if built.is_empty:
        raise RulesError(file_name, line, f"{label}: the {kind} is empty")
    if not built.is_valid:
        raise RulesError(file_name, line, f"{label}: invalid {kind}: {explain_validity(built)}")
    min_x, min_y, max_x, max_y = built.bounds
    if not (-180 <= min_x <= max_x <= 180 and -90 <= min_y <= max_y <= 90):
        raise RulesError(
            file_name, line, f"{label}: coordinates out of range (GeoJSON is [longitude, latitude])"
        )
    return built
