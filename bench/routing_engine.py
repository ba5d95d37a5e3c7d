"""`python -m bench.routing_engine`: routing decisions per second with 1,000 areas, pure
engine (no store, no Kafka), and the STRtree against scanning every area.

The areas are generated, not read: 10 districts, each split into 9 tehsils, each holding
10 towns with 24-vertex boundaries (1,000 areas), and a rule for every tehsil and town plus
district-name and category rules, so a decision does the work a real one does: locate the
point, then pick the most specific of the rules. Points are uniform over the whole map, so
some fall between towns and a few outside every area. Writes
bench/results/routing_engine.json and prints a Markdown table for the README.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import shapely
from nigrani_routing.rules.areas import Area, AreaIndex, Level
from nigrani_routing.rules.book import RuleBook
from nigrani_routing.rules.matching import RoutingInput, decide
from nigrani_routing.rules.schemas import RuleSet

RESULTS = Path(__file__).with_name("results")
DISTRICTS, TEHSILS, TOWNS = 10, 9, 10  # 10 + 90 + 900 = 1,000 areas
DISTRICT_SIZE = 0.9  # degrees: a district is a 0.9° square split 3 x 3 into tehsils


def _ring(x: float, y: float, radius: float, vertices: int) -> shapely.Polygon:
    points = [
        (
            x + radius * math.cos(2 * math.pi * k / vertices),
            y + radius * math.sin(2 * math.pi * k / vertices),
        )
        for k in range(vertices)
    ]
    return shapely.Polygon(points)


def _square(x: float, y: float, size: float) -> shapely.Polygon:
    return shapely.box(x, y, x + size, y + size)


def generate_areas() -> list[Area]:
    areas: list[Area] = []
    tehsil_size = DISTRICT_SIZE / 3
    for d in range(DISTRICTS):
        dx, dy = 60.0 + (d % 5) * DISTRICT_SIZE, 24.0 + (d // 5) * DISTRICT_SIZE
        areas.append(_area(f"d{d}", "district", _square(dx, dy, DISTRICT_SIZE)))
        for t in range(TEHSILS):
            tx, ty = dx + (t % 3) * tehsil_size, dy + (t // 3) * tehsil_size
            areas.append(_area(f"d{d}-t{t}", "tehsil", _square(tx, ty, tehsil_size)))
            for n in range(TOWNS):  # a row of round towns inside the tehsil
                cx = tx + tehsil_size * (0.1 + 0.2 * (n % 5))
                cy = ty + tehsil_size * (0.3 + 0.4 * (n // 5))
                town = _ring(cx, cy, tehsil_size * 0.09, 24)
                areas.append(_area(f"d{d}-t{t}-n{n}", "town", town))
    return areas


def _area(area_id: str, level: Level, shape: shapely.Polygon) -> Area:
    return Area(id=area_id, name=area_id, level=level, shape=shape)


def generate_book(areas: list[Area]) -> RuleBook:
    rules: list[dict[str, Any]] = [
        {"id": f"r-{a.id}", "categories": ["water.*"], "areas": [a.id], "department": "TOWN"}
        for a in areas
        if a.level != "district"
    ]
    rules += [
        {
            "id": "water-lahore",
            "categories": ["water.*"],
            "districts": ["Lahore"],
            "department": "CITY",
        },
        {"id": "water", "categories": ["water.*"], "department": "PROVINCE"},
        {"id": "roads", "categories": ["roads.*"], "department": "PROVINCE"},
    ]
    rule_set = RuleSet.model_validate(
        {
            "departments": [{"code": c, "name": c} for c in ("TOWN", "CITY", "PROVINCE")],
            "triage": {"code": "TRIAGE", "name": "Triage"},
            "rules": rules,
        }
    )
    return RuleBook.build(rule_set, AreaIndex(areas), version="bench")


def _points(count: int, seed: int) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    width, height = 5 * DISTRICT_SIZE, 2 * DISTRICT_SIZE
    return [(24.0 + rng.random() * height, 60.0 + rng.random() * width) for _ in range(count)]


def _rate(work: Callable[[], None], count: int) -> float:
    started = time.perf_counter()
    work()
    return count / (time.perf_counter() - started)


def run(decisions: int, scans: int, seed: int) -> dict[str, Any]:
    areas = generate_areas()
    book = generate_book(areas)
    points = _points(decisions, seed)
    inputs = [RoutingInput("water.no_supply", "Lahore", lat, lon) for lat, lon in points]
    no_point = RoutingInput("water.no_supply", "Lahore")
    shapes = [a.shape for a in areas]
    shape_array = shapely.from_wkb(shapely.to_wkb(shapes))

    def decide_all() -> None:
        for request in inputs:
            decide(book, request)

    def decide_without_point() -> None:
        for _ in range(decisions):
            decide(book, no_point)

    def locate_with_tree() -> None:
        for lat, lon in points:
            book.areas.areas_at(lat, lon)

    def scan_python() -> None:  # the naive engine: ask every area in turn
        for lat, lon in points[:scans]:
            point = shapely.Point(lon, lat)
            [s for s in shapes if s.covers(point)]

    def scan_vectorised() -> None:  # every area at once, in GEOS, without the tree
        for lat, lon in points[:scans]:
            shapely.covers(shape_array, shapely.Point(lon, lat)).nonzero()

    decide_all()  # warm-up (and GEOS prepares nothing lazily we would then time)
    in_some_area = sum(bool(book.areas.areas_at(lat, lon)) for lat, lon in points)
    result = {
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"shapely {shapely.__version__} (GEOS {shapely.geos_version_string})",
        "areas": len(areas),
        "rules": len(book.rules.rules),
        "decisions": decisions,
        "points_in_some_area": round(in_some_area / decisions, 3),
        "decide_per_s": round(_rate(decide_all, decisions)),
        "decide_without_point_per_s": round(_rate(decide_without_point, decisions)),
        "locate_strtree_per_s": round(_rate(locate_with_tree, decisions)),
        "locate_scan_python_per_s": round(_rate(scan_python, scans)),
        "locate_scan_vectorised_per_s": round(_rate(scan_vectorised, scans)),
    }
    result["strtree_vs_python_scan"] = round(
        result["locate_strtree_per_s"] / result["locate_scan_python_per_s"], 1
    )
    result["strtree_vs_vectorised_scan"] = round(
        result["locate_strtree_per_s"] / result["locate_scan_vectorised_per_s"], 1
    )
    return result


def table(r: dict[str, Any]) -> str:
    rows = [
        (
            f"`decide` with a point ({r['areas']} areas, {r['rules']} rules)",
            f"{r['decide_per_s']:,}/s",
        ),
        ("`decide` without a point (rules only)", f"{r['decide_without_point_per_s']:,}/s"),
        ("locate a point: STRtree (`areas_at`)", f"{r['locate_strtree_per_s']:,}/s"),
        (
            "locate a point: every area's `covers`, Python loop",
            f"{r['locate_scan_python_per_s']:,}/s",
        ),
        (
            "locate a point: `shapely.covers` over all areas (vectorised)",
            f"{r['locate_scan_vectorised_per_s']:,}/s",
        ),
        (
            "STRtree vs scans",
            f"{r['strtree_vs_python_scan']}x the loop, "
            f"{r['strtree_vs_vectorised_scan']}x vectorised",
        ),
    ]
    lines = ["| measure (one core) | result |", "| --- | --- |"]
    return "\n".join([*lines, *(f"| {a} | {b} |" for a, b in rows)])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.routing_engine")
    parser.add_argument("--decisions", type=int, default=20_000)
    parser.add_argument("--scans", type=int, default=500, help="points for the naive scans")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    result = run(args.decisions, args.scans, args.seed)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "routing_engine.json").write_text(json.dumps(result, indent=2) + "\n")
    print(table(result), flush=True)


if __name__ == "__main__":
    main()
