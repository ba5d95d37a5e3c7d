"""Placing a point in areas: edges and vertices (covered), holes (not), order, the index."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nigrani_routing.rules.areas import Area, AreaIndex
from nigrani_routing.rules.loader import load_book
from shapely.geometry import Point, Polygon

# x is longitude, y latitude. Two towns side by side sharing the edge x = 1, inside one
# district; the left town has a hole (an enclave, itself a town).
DISTRICT = Area("d", "District", "district", Polygon([(0, 0), (4, 0), (4, 4), (0, 4)]))
LEFT = Area(
    "left",
    "Left Town",
    "town",
    Polygon([(0, 0), (1, 0), (1, 3), (0, 3)], holes=[[(0.25, 1), (0.75, 1), (0.75, 2), (0.25, 2)]]),
)
ENCLAVE = Area("enclave", "Enclave", "town", Polygon([(0.25, 1), (0.75, 1), (0.75, 2), (0.25, 2)]))
RIGHT = Area("right", "Right Town", "town", Polygon([(1, 0), (3, 0), (3, 3), (1, 3)]))
MIDDLE = Area("middle", "Middle Tehsil", "tehsil", Polygon([(0, 0), (3, 0), (3, 3.5), (0, 3.5)]))
INDEX = AreaIndex([DISTRICT, RIGHT, MIDDLE, LEFT, ENCLAVE])


def _ids(lat: float, lon: float, index: AreaIndex = INDEX) -> list[str]:
    return [area.id for area in index.areas_at(lat, lon)]


def test_a_point_inside_gets_every_level_most_specific_first() -> None:
    assert _ids(lat=0.5, lon=2) == ["right", "middle", "d"]


def test_a_point_on_a_shared_edge_is_in_both_towns_smaller_first() -> None:
    assert _ids(lat=1.5, lon=1) == ["left", "right", "middle", "d"]


def test_a_vertex_and_an_outer_edge_are_inside() -> None:
    assert _ids(lat=0, lon=0) == ["left", "middle", "d"]
    assert _ids(lat=4, lon=4) == ["d"]


def test_just_outside_an_edge_is_outside() -> None:
    assert _ids(lat=1.5, lon=4.000001) == []
    assert _ids(lat=3.2, lon=0.5) == ["middle", "d"]  # above the towns, under the tehsil's top


def test_a_point_in_a_hole_is_not_in_the_area_around_it() -> None:
    assert _ids(lat=1.5, lon=0.5) == ["enclave", "middle", "d"]


def test_a_point_on_the_rim_of_a_hole_is_in_both_the_hole_and_the_area() -> None:
    assert _ids(lat=1, lon=0.5) == ["enclave", "left", "middle", "d"]


def test_outside_every_area_is_nowhere_and_an_empty_index_answers_too() -> None:
    assert _ids(lat=-10, lon=-10) == []
    assert AreaIndex([]).areas_at(1, 1) == ()


_coordinate = st.floats(min_value=-0.5, max_value=4.5, allow_nan=False)
_edge = st.sampled_from([0.0, 0.25, 0.75, 1.0, 2.0, 3.0, 3.5, 4.0])


@given(lat=st.one_of(_coordinate, _edge), lon=st.one_of(_coordinate, _edge))
def test_the_index_agrees_with_a_plain_scan_using_covers(lat: float, lon: float) -> None:
    point = Point(lon, lat)
    expected = {a.id for a in (DISTRICT, RIGHT, MIDDLE, LEFT, ENCLAVE) if a.shape.covers(point)}
    assert set(_ids(lat, lon)) == expected


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        (31.48, 74.32, ["pk-pb-lahore-model-town", "pk-pb-lahore"]),
        (31.52, 74.40, ["pk-pb-lahore-cantt", "pk-pb-lahore"]),
        (24.857, 67.025, ["pk-sd-karachi-cantonment", "pk-sd-karachi"]),  # in Saddar's hole
        (24.845, 67.025, ["pk-sd-karachi-saddar", "pk-sd-karachi"]),
        (33.687, 73.03, ["pk-ict-islamabad-g9", "pk-ict-islamabad"]),
        (33.62, 73.05, ["pk-pb-rawalpindi", "pk-ict-islamabad"]),  # on their shared border
        (30.19, 71.47, []),  # Multan: no area in the shipped file
    ],
)
def test_the_shipped_areas_place_known_places(lat: float, lon: float, expected: list[str]) -> None:
    assert _ids(lat, lon, load_book().areas) == expected
