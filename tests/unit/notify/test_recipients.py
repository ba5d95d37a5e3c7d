"""recipients.yaml: the shipped file against routing's departments, lookups by staff id,
role and department, quiet hours inherited or overridden, and refusals naming the line."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from nigrani_notify.local_time import QuietHours
from nigrani_notify.recipients import DEFAULT_RECIPIENTS_PATH, Recipients, RecipientsConfigError
from nigrani_routing.rules.escalation import DEFAULT_ROLES
from nigrani_routing.rules.loader import load_book

DEPARTMENTS = frozenset(load_book().departments)

SMALL = """\
time_zone: Asia/Karachi
quiet_hours: {start: "21:00", end: "08:00"}
staff:
  sup-1: {email: sup-1@example.gov.pk, phone: "+923000000001", language: ur}
  head-1: {email: head-1@example.gov.pk}
  sms-only: {phone: "+923000000002"}
departments:
  WASA-LHR:
    roles:
      supervisor: [sup-1, sms-only]
      dept_admin: [head-1]
  DISCO:
    quiet_hours: {start: "23:00", end: "06:00"}
    roles:
      supervisor: [sup-1]
  TRIAGE:
    quiet_hours: null
  CDA-WATER:
    time_zone: Asia/Dubai
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "recipients.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _load(tmp_path: Path, text: str = SMALL) -> Recipients:
    return Recipients.load(_write(tmp_path, text), known_departments=DEPARTMENTS)


def _line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_the_shipped_file_names_real_departments_and_staffs_the_whole_ladder() -> None:
    recipients = Recipients.load(known_departments=DEPARTMENTS)
    for code in DEPARTMENTS - {"OMBUDSMAN", "ACE"}:
        for role in ("supervisor", "dept_admin"):
            assert recipients.holding_role(code, role), (code, role)
    for body in ("OMBUDSMAN", "ACE"):
        assert recipients.holding_role(body, DEFAULT_ROLES[3])
    assert Recipients.load(DEFAULT_RECIPIENTS_PATH).version == recipients.version


def test_lookups(tmp_path: Path) -> None:
    recipients = _load(tmp_path)
    supervisor = recipients.staff("sup-1")
    assert supervisor is not None
    assert (supervisor.email, supervisor.phone, supervisor.language) == (
        "sup-1@example.gov.pk",
        "+923000000001",
        "ur",
    )
    head = recipients.staff("head-1")
    assert head is not None
    assert (head.phone, head.language) == (None, "en")
    assert recipients.staff("nobody") is None
    assert [c.staff_id for c in recipients.holding_role("WASA-LHR", "supervisor")] == [
        "sup-1",
        "sms-only",
    ]
    assert recipients.holding_role("WASA-LHR", "oversight") == []
    assert recipients.holding_role("HEALTH", "supervisor") == []


def test_contacts_keep_addresses_out_of_their_repr(tmp_path: Path) -> None:
    shown = repr(_load(tmp_path).staff("sup-1"))
    assert "sup-1" in shown
    assert "example.gov.pk" not in shown
    assert "+92300" not in shown


def test_zones_and_quiet_hours_are_inherited_overridden_or_switched_off(tmp_path: Path) -> None:
    recipients = _load(tmp_path)
    night = QuietHours(time(21), time(8))
    assert recipients.quiet_hours("WASA-LHR") == night  # listed, left out: the default
    assert recipients.quiet_hours("HEALTH") == night  # not listed: the default
    assert recipients.quiet_hours(None) == night
    assert recipients.quiet_hours("DISCO") == QuietHours(time(23), time(6))
    assert recipients.quiet_hours("TRIAGE") is None
    assert recipients.time_zone("WASA-LHR") == ZoneInfo("Asia/Karachi")
    assert recipients.time_zone("CDA-WATER") == ZoneInfo("Asia/Dubai")
    assert recipients.time_zone(None) == ZoneInfo("Asia/Karachi")


def test_sms_not_before_uses_the_departments_clock(tmp_path: Path) -> None:
    recipients = _load(tmp_path)
    at = datetime(2026, 11, 28, 17, 30, tzinfo=UTC)  # 22:30 in Karachi, 21:30 in Dubai
    morning = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)  # 08:00 in Karachi
    assert recipients.sms_not_before("WASA-LHR", at) == morning
    assert recipients.sms_not_before(None, at) == morning
    assert recipients.sms_not_before("DISCO", at) is at  # quiet only from 23:00
    assert recipients.sms_not_before("TRIAGE", at) is at
    assert recipients.sms_not_before("CDA-WATER", at) == datetime(2026, 11, 29, 4, 0, tzinfo=UTC)


def test_a_file_without_quiet_hours_has_none(tmp_path: Path) -> None:
    recipients = _load(tmp_path, "staff: {}\n")
    assert recipients.quiet_hours("WASA-LHR") is None
    assert recipients.time_zone("WASA-LHR") == ZoneInfo("Asia/Karachi")


@pytest.mark.parametrize(
    ("old", "new", "fragment", "problem"),
    [
        (
            "  TRIAGE:\n",
            "  TRIAGE:\n    colour: blue\n",
            "colour",
            "Extra inputs are not permitted",
        ),
        ('end: "06:00"', 'end: "6pm"', "6pm", "is not a time like"),
        ('end: "06:00"', "end: 23:30", "23:30", "write the time in quotes"),
        ('end: "06:00"', 'end: "23:00"', '"23:00", end', "different times"),
        ("[sup-1, sms-only]", "[sup-1, sup-2]", "sup-2", "staff id sup-2 is not under staff"),
        ("[sup-1, sms-only]", "[sup-1, sup-1]", "sup-1, sup-1", "sup-1 is listed twice"),
        ("Asia/Dubai", "Asia/Lahore", "Asia/Lahore", "not an IANA time zone"),
        ("language: ur", "language: pa", "language: pa", "staff.sup-1.language"),
        ('"+923000000002"', '"0300-0000002"', "0300-0000002", "staff.sms-only.phone"),
        ("  head-1: {email: head-1@example.gov.pk}", "  head-1: {}", "head-1: {}", "an email or"),
        ("  DISCO:\n", "  DISCO-X:\n", "DISCO-X", "DISCO-X is not in the routing rules"),
    ],
)
def test_a_bad_file_is_refused_naming_its_line(
    tmp_path: Path, old: str, new: str, fragment: str, problem: str
) -> None:
    assert old in SMALL
    text = SMALL.replace(old, new, 1)
    with pytest.raises(RecipientsConfigError) as refused:
        _load(tmp_path, text)
    assert refused.value.file_name == "recipients.yaml"
    assert refused.value.line == _line_of(text, fragment)
    assert problem in refused.value.problem


def test_unreadable_and_non_yaml_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(RecipientsConfigError, match="cannot be read"):
        Recipients.load(tmp_path / "missing.yaml")
    with pytest.raises(RecipientsConfigError, match=r"recipients.yaml line 2: not valid YAML"):
        _load(tmp_path, "staff:\n  a: b: c\n")
