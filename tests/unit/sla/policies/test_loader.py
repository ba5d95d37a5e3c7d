"""policies.yaml: the shipped file against the catalog and routing's priorities, and
refusals that name the file, the line and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from nigrani_intake.catalog.service import load_catalog
from nigrani_routing.cases.model import Priority
from nigrani_sla.calendar.loader import load_calendars
from nigrani_sla.policies import DEFAULT_POLICIES_PATH
from nigrani_sla.policies.errors import PolicyConfigError
from nigrani_sla.policies.loader import load_policies
from nigrani_sla.policies.model import PRIORITIES, Duration, PolicyBook

CATEGORIES = frozenset(category.code for category in load_catalog().all())
SHIPPED = DEFAULT_POLICIES_PATH.read_text(encoding="utf-8")

SMALL = """\
warning_share: 0.8
policies:
  - id: default
    category: "*"
    priority: "*"
    first_response: 3 days
    resolution: 21 days
    ladder:
      supervisor: 2 days
      dept_admin: 5 days
      oversight: 10 days
  - id: burst-main
    category: water.main_break
    priority: urgent
    first_response: 90 minutes
    resolution: 8 hours
    warning_share: 0.5
    ladder:
      supervisor: 2 hours
  - id: seconds-for-tests
    category: water.no_supply
    priority: "*"
    first_response: 2 seconds
    resolution: 6 seconds
"""


def _load(
    tmp_path: Path, text: str = SMALL, categories: frozenset[str] | None = CATEGORIES
) -> PolicyBook:
    path = tmp_path / "policies.yaml"
    path.write_text(text, encoding="utf-8")
    return load_policies(path, categories)


def _line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_the_shipped_file_loads_against_the_catalog() -> None:
    book = load_policies(known_categories=CATEGORIES)
    assert book.policy_for("no.such", "low").id == "any-low"
    assert {p.category for p in book.policies()} - {"*"} <= CATEGORIES
    # The anchors: CPGRAMS' 21 days by default, the Citizen Portal's 40 days for land
    # records with escalation on day 41.
    default = book.policy_for("pension.unpaid", "normal")
    assert default.resolution == Duration(21, "days")
    land = book.policy_for("land.record_error", "normal")
    assert (land.resolution, land.ladder[0].allowance) == (
        Duration(40, "days"),
        Duration(1, "days"),
    )
    assert len(book.version) == 16


def test_every_shipped_policy_has_a_full_ladder_and_targets_that_fit_its_calendar() -> None:
    book, calendars = load_policies(), load_calendars()
    for policy in book.policies():
        assert [rung.role for rung in policy.ladder] == ["supervisor", "dept_admin", "oversight"]
        for calendar in (calendars.default, calendars.for_department("DISCO")):
            first = policy.first_response.business_seconds(calendar)
            assert 0 < first <= policy.resolution.business_seconds(calendar), policy.id


def test_priorities_are_routings() -> None:
    assert set(PRIORITIES) == {priority.value for priority in Priority}


def test_policies_become_values(tmp_path: Path) -> None:
    book = _load(tmp_path)
    burst = book.policy_for("water.main_break", "urgent")
    assert burst.first_response == Duration(90, "minutes")
    assert burst.warning_share == 0.5
    assert [(r.level, r.role, r.allowance) for r in burst.ladder] == [
        (1, "supervisor", Duration(2, "hours"))
    ]
    default = book.policy_for("water.main_break", "low")
    assert default.warning_share == 0.8
    assert [r.level for r in default.ladder] == [1, 2, 3]
    tests = book.policy_for("water.no_supply", "urgent")
    assert (tests.first_response, tests.resolution, tests.ladder) == (
        Duration(2, "seconds"),
        Duration(6, "seconds"),
        (),
    )


def test_the_warning_share_defaults_to_three_quarters(tmp_path: Path) -> None:
    book = _load(tmp_path, SMALL.replace("warning_share: 0.8\n", "", 1))
    assert book.policy_for("x.y", "low").warning_share == 0.75


def test_the_version_is_a_hash_of_the_file(tmp_path: Path) -> None:
    first = _load(tmp_path).version
    assert _load(tmp_path).version == first
    assert _load(tmp_path, SMALL.replace("21 days", "20 days")).version != first


@pytest.mark.parametrize(
    ("old", "new", "line_of", "problem"),
    [
        ("resolution: 21 days", "resolution: 21 dayz", "21 dayz", "is not a duration like"),
        ("resolution: 21 days", "resolution: 21", "resolution: 21", "is not a duration like"),
        ("resolution: 21 days", "resolution: 0 days", "0 days", "longer than zero"),
        (
            "first_response: 3 days",
            "first_response: 30 days",
            "  - id: default",
            "longer than resolution",
        ),
        ("warning_share: 0.5", "warning_share: 1.0", "1.0", "less than 1"),
        ("warning_share: 0.5", "warning_share: 0", "    warning_share: 0", "greater than 0"),
        ("warning_share: 0.8", "warning_share: 1.5", "1.5", "less than 1"),
        ("priority: urgent", "priority: critical", "critical", "'urgent' or '*'"),
        (
            "category: water.main_break",
            "category: water.main_breaks",
            "main_breaks",
            "unknown category water.main_breaks",
        ),
        (
            "category: water.main_break",
            "category: Water",
            "category: Water",
            "should match pattern",
        ),
        (
            "      supervisor: 2 hours",
            "      dept_admin: 2 hours",
            "  - id: burst-main",
            "skips level 1 (supervisor)",
        ),
        (
            "      supervisor: 2 hours",
            "      chief: 2 hours",
            "chief",
            "'supervisor', 'dept_admin' or 'oversight'",
        ),
        ("      supervisor: 2 days", "      supervisor: soon", "soon", "is not a duration like"),
        (
            "  - id: seconds-for-tests",
            "  - id: burst-main  # again",
            "# again",
            "policy id burst-main is used twice",
        ),
        (
            '    category: water.no_supply\n    priority: "*"',
            "    category: water.main_break\n    priority: urgent",
            "  - id: seconds-for-tests",
            "another policy already covers",
        ),
        (
            '    category: "*"\n    priority: "*"',
            '    category: "*"\n    priority: low',
            "policies:",
            'no policy for category "*"',
        ),
        (
            "    first_response: 2 seconds\n",
            "",
            "  - id: seconds-for-tests",
            "first_response: Field required",
        ),
        (
            "    resolution: 8 hours",
            "    resolution: 8 hours\n    escalate: yes",
            "escalate",
            "Extra inputs are not permitted",
        ),
        (
            "    ladder:\n      supervisor: 2 hours",
            "    ladder:\n      supervisor: [2 hours",
            "supervisor: [2",
            "not valid YAML",
        ),
    ],
)
def test_a_bad_policies_file_names_its_line(
    tmp_path: Path, old: str, new: str, line_of: str, problem: str
) -> None:
    assert old in SMALL
    text = SMALL.replace(old, new, 1)
    with pytest.raises(PolicyConfigError) as caught:
        _load(tmp_path, text)
    error = caught.value
    assert error.file_name == "policies.yaml"
    assert problem in error.problem
    assert error.line is not None
    assert error.line - _line_of(text, line_of) in (0, 1)


def test_an_exact_refusal(tmp_path: Path) -> None:
    text = SMALL.replace("category: water.main_break", "category: water.main_breaks")
    with pytest.raises(PolicyConfigError) as caught:
        _load(tmp_path, text)
    assert str(caught.value) == (
        f"policies.yaml line {_line_of(text, 'main_breaks')}: "
        "policy burst-main names unknown category water.main_breaks"
    )


def test_unknown_categories_pass_when_no_catalog_is_given(tmp_path: Path) -> None:
    text = SMALL.replace("category: water.main_break", "category: water.main_breaks")
    assert (
        _load(tmp_path, text, categories=None).policy_for("water.main_breaks", "urgent").id
        == "burst-main"
    )


def test_an_unreadable_or_empty_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PolicyConfigError, match=r"^policies.yaml: cannot be read"):
        load_policies(tmp_path / "policies.yaml")
    with pytest.raises(PolicyConfigError, match=r"^policies.yaml line 1: the file: "):
        _load(tmp_path, "# nothing yet\n")
