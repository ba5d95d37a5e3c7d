"""calendars.yaml and closures.yaml: the shipped files, how closures reach departments,
and refusals that name the file, the line and the problem."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from pathlib import Path

import pytest
from nigrani_routing.rules.loader import load_book
from nigrani_sla.calendar import DEFAULT_CALENDARS_PATH, DEFAULT_CLOSURES_PATH
from nigrani_sla.calendar.errors import CalendarConfigError
from nigrani_sla.calendar.loader import Calendars, load_calendars

from tests.unit.sla.calendar.examples import HOUR, karachi

CALENDARS = DEFAULT_CALENDARS_PATH.read_text(encoding="utf-8")
CLOSURES = DEFAULT_CLOSURES_PATH.read_text(encoding="utf-8")
ROUTING_DEPARTMENTS = frozenset(load_book().departments)

SMALL = """\
default: office
calendars:
  office:
    week:
      mon: ["09:00-17:00"]
      tue: ["09:00-17:00"]
      wed: ["09:00-17:00"]
      thu: ["09:00-17:00"]
      fri: "09:00-12:30"
  crews:
    holidays: null
    week:
      sat: ["08:00-20:00"]
      sun: ["08:00-20:00"]
  tests:
    zone: UTC
    always_open: true
departments:
  WASA-LHR: office
  DISCO: crews
  SCHOOLS: office
  TEST-DEPT: tests
"""


def _load(
    tmp_path: Path,
    calendars: str = SMALL,
    closures: str = "",
    known_departments: Collection[str] | None = None,
) -> Calendars:
    (tmp_path / "calendars.yaml").write_text(calendars, encoding="utf-8")
    (tmp_path / "closures.yaml").write_text(closures, encoding="utf-8")
    return load_calendars(
        tmp_path / "calendars.yaml", tmp_path / "closures.yaml", known_departments
    )


def _refused(
    tmp_path: Path,
    calendars: str = SMALL,
    closures: str = "",
    known_departments: Collection[str] | None = None,
) -> CalendarConfigError:
    with pytest.raises(CalendarConfigError) as caught:
        _load(tmp_path, calendars, closures, known_departments)
    return caught.value


def _line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_the_shipped_files_load_and_map_every_routing_department() -> None:
    calendars = load_calendars(known_departments=ROUTING_DEPARTMENTS)
    assert set(calendars.departments()) == ROUTING_DEPARTMENTS
    assert calendars.default.name == "pk-federal"
    assert calendars.default.zone.key == "Asia/Karachi"
    assert calendars.for_department("DISCO").name == "pk-round-the-clock"
    # Independence Day closes an office but not a round-the-clock utility.
    assert not calendars.for_department("PENSIONS").is_open(karachi(2025, 8, 14, 10))
    assert calendars.for_department("DISCO").is_open(karachi(2025, 8, 14, 10))
    assert calendars.default.day_seconds == 8 * HOUR


def test_unknown_or_missing_departments_get_the_default(tmp_path: Path) -> None:
    calendars = _load(tmp_path)
    assert calendars.for_department(None) is calendars.default
    assert calendars.for_department("NOBODY") is calendars.default
    assert calendars.for_department("DISCO").name == "crews"
    assert calendars.for_department("WASA-LHR") is calendars.for_department("SCHOOLS")


def test_the_version_changes_with_either_file(tmp_path: Path) -> None:
    first = _load(tmp_path).version
    assert _load(tmp_path).version == first
    assert _load(tmp_path, SMALL + "  HEALTH: office\n").version != first
    assert _load(tmp_path, closures="closures: []\n").version != first


CLOSURES_FOR_ALL = """\
closures:
  - date: 2025-06-17
    reason: Flood
  - date: 2025-06-18
    until: 2025-06-19
    hours: "12:00-24:00"
    reason: Offices close at noon
"""


def test_a_closure_for_all_reaches_every_calendar_but_an_always_open_one(tmp_path: Path) -> None:
    calendars = _load(tmp_path, closures=CLOSURES_FOR_ALL)
    office = calendars.for_department("WASA-LHR")
    assert not office.is_open(karachi(2025, 6, 17, 10))
    assert office.is_open(karachi(2025, 6, 18, 11))
    assert not office.is_open(karachi(2025, 6, 19, 13))
    assert (
        office.between(karachi(2025, 6, 16), karachi(2025, 6, 21)) == (8 + 0 + 3 + 3 + 3.5) * HOUR
    )
    assert calendars.for_department("TEST-DEPT").is_open(karachi(2025, 6, 17, 10))


def test_a_closure_for_listed_departments_gives_them_their_own_calendar(tmp_path: Path) -> None:
    closures = """\
closures:
  - date: 2025-06-17
    departments: [WASA-LHR]
    reason: Office moved
  - date: 2025-06-18
    departments: [HEALTH]
    reason: Training
"""
    calendars = _load(tmp_path, SMALL + "  HEALTH: office\n", closures)
    wasa, schools = calendars.for_department("WASA-LHR"), calendars.for_department("SCHOOLS")
    assert wasa.name == "office+WASA-LHR"
    assert schools.name == "office"
    assert not wasa.is_open(karachi(2025, 6, 17, 10))
    assert wasa.is_open(karachi(2025, 6, 18, 10))
    assert schools.is_open(karachi(2025, 6, 17, 10))
    assert not calendars.for_department("HEALTH").is_open(karachi(2025, 6, 18, 10))


def test_a_closure_can_name_calendars(tmp_path: Path) -> None:
    closures = """\
closures:
  - date: 2025-06-21
    until: 2025-06-23
    calendars: [crews]
    reason: Curfew
"""
    calendars = _load(tmp_path, closures=closures)
    assert not calendars.for_department("DISCO").is_open(karachi(2025, 6, 22, 10))
    assert calendars.for_department("DISCO").is_open(karachi(2025, 6, 28, 10))
    assert calendars.for_department("SCHOOLS").is_open(karachi(2025, 6, 23, 10))


def test_an_opening_undoes_an_estimated_holiday(tmp_path: Path) -> None:
    """The package lists 2025-04-02 as the third day of Eid al-Fitr."""
    closures = """\
openings:
  - date: 2025-04-02
    reason: Eid was two days this year
"""
    assert not _load(tmp_path).default.is_open(karachi(2025, 4, 2, 10))
    assert _load(tmp_path, closures=closures).default.is_open(karachi(2025, 4, 2, 10))


def test_a_department_opening_only_opens_that_department(tmp_path: Path) -> None:
    closures = """\
openings:
  - date: 2025-04-02
    departments: [SCHOOLS]
    reason: Exams
"""
    calendars = _load(tmp_path, closures=closures)
    assert calendars.for_department("SCHOOLS").is_open(karachi(2025, 4, 2, 10))
    assert not calendars.for_department("WASA-LHR").is_open(karachi(2025, 4, 2, 10))


def test_a_calendar_without_holidays_works_through_them(tmp_path: Path) -> None:
    crews = _load(tmp_path).for_department("DISCO")
    assert crews.is_open(karachi(2025, 6, 7, 10))  # Saturday, Eid al-Adha
    assert not crews.is_open(karachi(2025, 6, 9, 10))  # Monday: crews work weekends only


@pytest.mark.parametrize(
    ("old", "new", "line_of", "problem"),
    [
        (
            "  office:\n    week:",
            "  office:\n    zone: Asia/Lahore\n    week:",
            "zone:",
            "not a time zone",
        ),
        ('      mon: ["09:00-17:00"]', '      mon: ["9-17"]', "9-17", "not a span of the day"),
        (
            '      mon: ["09:00-17:00"]',
            '      mon: ["09:00-13:00", "12:00-17:00"]',
            "12:00-17:00",
            "without overlaps",
        ),
        (
            '      mon: ["09:00-17:00"]',
            '      mon: ["17:00-09:00"]',
            "17:00-09:00",
            "must start before it ends",
        ),
        ('      mon: ["09:00-17:00"]', '      mon: ["09:00-24:30"]', "24:30", "not a time of day"),
        (
            "  DISCO: crews",
            "  DISCO: crew",
            "DISCO: crew",
            "department DISCO names unknown calendar crew",
        ),
        (
            "default: office",
            "default: offices",
            "default:",
            "default calendar offices is not defined",
        ),
        ("  WASA-LHR: office", "  wasa: office", "wasa:", "should match pattern"),
        (
            "    holidays: null",
            "    holidays: XX",
            "holidays: XX",
            "not a country the holidays package knows",
        ),
        (
            "    zone: UTC\n",
            "    zone: UTC\n    week: {mon: ['09:00-17:00']}\n",
            "  tests:",
            "always_open calendar has no week",
        ),
        (
            '      sat: ["08:00-20:00"]\n      sun: ["08:00-20:00"]\n',
            "      sat: []\n",
            "  crews:",
            "needs working hours",
        ),
        (
            "    holidays: null",
            "    holiday: null",
            "holiday: null",
            "Extra inputs are not permitted",
        ),
        ("departments:", "departments: [WASA-LHR]\nx:", "departments:", "valid dictionary"),
    ],
)
def test_a_bad_calendars_file_names_its_line(
    tmp_path: Path, old: str, new: str, line_of: str, problem: str
) -> None:
    assert old in SMALL
    calendars = SMALL.replace(old, new, 1)
    error = _refused(tmp_path, calendars)
    assert error.file_name == "calendars.yaml"
    assert problem in error.problem
    assert error.line == _line_of(calendars, line_of)


def test_exact_lines_of_refused_calendars(tmp_path: Path) -> None:
    calendars = SMALL.replace("  DISCO: crews", "  DISCO: crew")
    assert str(_refused(tmp_path, calendars)) == (
        f"calendars.yaml line {_line_of(calendars, 'DISCO: crew')}: "
        "department DISCO names unknown calendar crew"
    )
    calendars = SMALL.replace('      mon: ["09:00-17:00"]', '      mon: ["9-17"]')
    error = _refused(tmp_path, calendars)
    assert error.line == _line_of(calendars, '"9-17"')
    assert error.problem.startswith("calendars.office.week.mon.0:")


def test_a_department_unknown_to_routing_is_refused(tmp_path: Path) -> None:
    error = _refused(tmp_path, known_departments={"WASA-LHR", "DISCO", "SCHOOLS"})
    assert (
        str(error)
        == f"calendars.yaml line {_line_of(SMALL, 'TEST-DEPT')}: unknown department TEST-DEPT"
    )


@pytest.mark.parametrize(
    ("closures", "fragment", "problem"),
    [
        (
            "closures:\n  - date: 2025-06-17\n    until: 2025-06-16\n    reason: x\n",
            "- date",
            "is before date",
        ),
        (
            "closures:\n  - date: 2025-06-17\n    reason: x\n    departments: [WASA-LHR, HEALTH]\n",
            "departments",
            "unknown department HEALTH",
        ),
        (
            "closures:\n  - date: 2025-06-17\n    reason: x\n    calendars: [ofice]\n",
            "calendars",
            "unknown calendar ofice",
        ),
        (
            'closures:\n  - date: 2025-06-17\n    hours: "12:00-11:00"\n    reason: x\n',
            "hours",
            "must start before it ends",
        ),
        ("closures:\n  - date: 2025-06-17\n", "- date", "reason: Field required"),
        ("closures:\n  - date: 17 June\n    reason: x\n", "- date", "valid date"),
        (
            "openings:\n  - date: 2025-04-02\n    reason: x\n    departments: [NOBODY]\n",
            "departments",
            "unknown department NOBODY",
        ),
        ("closures:\n  - date: 2025-06-17\n    reason: [x\n", "reason", "not valid YAML"),
        ("closure: []\n", "closure", "Extra inputs are not permitted"),
    ],
)
def test_a_bad_closures_file_names_its_line(
    tmp_path: Path, closures: str, fragment: str, problem: str
) -> None:
    error = _refused(tmp_path, closures=closures)
    assert error.file_name == "closures.yaml"
    assert problem in error.problem
    assert error.line is not None
    assert error.line - _line_of(closures, fragment) in (0, 1)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "calendars.yaml").write_text(SMALL, encoding="utf-8")
    with pytest.raises(CalendarConfigError, match=r"^closures.yaml: cannot be read"):
        load_calendars(tmp_path / "calendars.yaml", tmp_path / "closures.yaml")


def test_the_shipped_closures_file_is_valid_and_its_examples_too(tmp_path: Path) -> None:
    """The commented examples in closures.yaml are what operators copy: they must load."""
    commented = CLOSURES.split("# Examples of each form:\n")[1].split("\nclosures:")[0]
    examples = "\n".join(line[3:] for line in commented.splitlines())
    calendars = _load(tmp_path, CALENDARS, examples, known_departments=ROUTING_DEPARTMENTS)
    assert not calendars.default.is_open(karachi(2027, 3, 10, 10))
    assert calendars.for_department("WASA-LHR").name == "pk-round-the-clock+WASA-LHR"
    assert dt.date(2027, 3, 12) not in calendars.default._holidays
