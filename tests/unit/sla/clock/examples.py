"""Rules, events and dates the clock tests share: real calendars (an office week in
Karachi with Pakistan's holidays, and one that never closes) and real policy books.

Dates are in January and February 2026. 2026-01-05 is a Monday; the office works
09:00-17:00 Monday to Thursday and 09:00-12:30 on Friday (Karachi, UTC+5, no DST), and
2026-02-05 (Thursday) is Kashmir Solidarity Day, a public holiday.
"""

from __future__ import annotations

import datetime as dt

from nigrani_shared.events import Actor, CaseChanged, CaseEscalated, RequestRouted, RequestSubmitted
from nigrani_sla.calendar.business import BusinessCalendar, Closure
from nigrani_sla.calendar.loader import Calendars
from nigrani_sla.calendar.public_holidays import PublicHolidays
from nigrani_sla.clock import transitions
from nigrani_sla.clock.record import ClockRecord
from nigrani_sla.clock.transitions import Rules
from nigrani_sla.policies.model import Duration, Policy, PolicyBook, Rung

from tests.unit.sla.calendar.examples import HOUR as HOUR
from tests.unit.sla.calendar.examples import KARACHI, OFFICE_WEEK, office
from tests.unit.sla.calendar.examples import karachi as karachi

OFFICE = office()  # named "office"
ALWAYS = BusinessCalendar.always_open("24x7")
OFFICE_DEPARTMENT = "CB-LHR"
OTHER_OFFICE_DEPARTMENT = "PENSIONS"
ROUND_THE_CLOCK_DEPARTMENT = "WASA-LHR"
# The office's hours, but closed on Wednesday 7 January 2026 (a department's own closure).
ANNEX = BusinessCalendar(
    "office+ANNEX",
    zone=KARACHI,
    week=OFFICE_WEEK,
    holidays=PublicHolidays("PK"),
    closures=(Closure(dt.date(2026, 1, 7), dt.date(2026, 1, 7), "flooded"),),
)
ANNEX_DEPARTMENT = "ANNEX"
CALENDARS = Calendars(
    OFFICE,
    {
        OFFICE_DEPARTMENT: OFFICE,
        OTHER_OFFICE_DEPARTMENT: OFFICE,
        ROUND_THE_CLOCK_DEPARTMENT: ALWAYS,
        ANNEX_DEPARTMENT: ANNEX,
    },
)
REQUEST = "REQ-1"
CATEGORY = "roads.pothole"


def policy(
    id: str,
    priority: str,
    first_response: Duration,
    resolution: Duration,
    ladder: tuple[Duration, ...] = (),
    warning_share: float = 0.75,
    category: str = "*",
) -> Policy:
    roles = ("supervisor", "dept_admin", "oversight")
    return Policy(
        id=id,
        category=category,
        priority=priority,
        first_response=first_response,
        resolution=resolution,
        warning_share=warning_share,
        ladder=tuple(
            Rung(level, role, allowance)
            for level, (role, allowance) in enumerate(zip(roles, ladder, strict=False), start=1)
        ),
    )


def days(amount: float) -> Duration:
    return Duration(amount, "days")


def hours(amount: float) -> Duration:
    return Duration(amount, "hours")


# normal: first response 4 hours, resolution 2 days (16 office hours, 48 hours on 24x7).
STANDARD = policy("standard", "*", hours(4), days(2), (days(1), days(2), days(3)))
URGENT = policy("urgent", "urgent", hours(1), hours(4), (hours(2), hours(4), days(1)))
# low: resolution 5 days (40 office hours), warned at half.
RELAXED = policy("relaxed", "low", days(1), days(5), (days(2),), warning_share=0.5)
# high: the same targets as normal, another ladder and warning share.
HIGH = policy("high", "high", hours(4), days(2), (hours(4), hours(8), days(1)), warning_share=0.5)
# A category's own policy covers every priority of it.
WATER_CATEGORY = "water.main_break"
WATER = policy("water", "*", hours(2), days(1), (hours(4),), category=WATER_CATEGORY)
BOOK = PolicyBook([STANDARD, URGENT, RELAXED, HIGH, WATER], version="test")
RULES = Rules(CALENDARS, BOOK)

STAFF = Actor(kind="staff", staff_id="officer-1", role="officer", department=OFFICE_DEPARTMENT)
CITIZEN = Actor(kind="citizen")
SYSTEM = Actor(kind="system")


def submission(
    at: dt.datetime, request_id: str = REQUEST, category: str = CATEGORY
) -> RequestSubmitted:
    return RequestSubmitted(
        request_id=request_id,
        category=category,
        place=None,
        channel="web",
        sensitive=False,
        anonymous=False,
        has_contact=False,
        submitted_at=at,
    )


def routing(
    at: dt.datetime,
    *,
    department: str = OFFICE_DEPARTMENT,
    priority: str = "normal",
    request_id: str = REQUEST,
) -> RequestRouted:
    return RequestRouted(
        request_id=request_id,
        category=CATEGORY,
        district=None,
        department_code=department,
        department_name=department,
        rule_id="roads",
        rule_set_version="test",
        areas=(),
        conflict_of_interest=False,
        priority=priority,
        routed_at=at,
    )


def change(
    record: ClockRecord,
    action: str,
    to_state: str,
    at: dt.datetime,
    *,
    actor: Actor = STAFF,
    department: str | None = None,
    priority: str | None = None,
    public_note: str | None = None,
    internal_note: str | None = None,
) -> CaseChanged:
    """The next case change after `record` (its case version plus one)."""
    return CaseChanged(
        request_id=record.request_id,
        case_version=record.case_version + 1,
        action=action,
        from_state=record.state,
        to_state=to_state,
        department_code=department or record.department_code or OFFICE_DEPARTMENT,
        department_name="Department",
        assignee=None,
        priority=priority or record.priority,
        transfers=0,
        reopened=0,
        actor=actor,
        reason=None,
        public_note=public_note,
        internal_note=internal_note,
        message_id=None,
        occurred_at=at,
    )


def escalation(record: ClockRecord, level: int, at: dt.datetime) -> CaseEscalated:
    base = change(record, "escalate", record.state, at, actor=SYSTEM)
    return CaseEscalated(
        **base.model_dump(),
        escalation_level=level,
        escalated_to_role="supervisor",
        escalated_to_department=record.department_code or OFFICE_DEPARTMENT,
    )


def routed_clock(
    submitted_at: dt.datetime,
    routed_at: dt.datetime | None = None,
    *,
    department: str = OFFICE_DEPARTMENT,
    priority: str = "normal",
    rules: Rules = RULES,
    category: str = CATEGORY,
) -> ClockRecord:
    """A clock submitted and routed (by default at once, to the office department)."""
    record = transitions.started(submission(submitted_at, category=category), rules)
    routed = transitions.routed(
        record,
        routing(routed_at or submitted_at, department=department, priority=priority),
        rules,
    )
    return routed.record


def apply(
    record: ClockRecord, *steps: tuple[str, str, dt.datetime], rules: Rules = RULES
) -> ClockRecord:
    """Staff or citizen steps (action, to_state, at) applied in order."""
    for action, to_state, at in steps:
        actor = CITIZEN if action in {"add_information", "reopen", "dispute", "confirm"} else STAFF
        record = transitions.case_changed(
            record, change(record, action, to_state, at, actor=actor), rules
        ).record
    return record


def claimed(submitted_at: dt.datetime, claimed_at: dt.datetime, **kwargs: object) -> ClockRecord:
    """Routed, claimed (the first response) and started at `claimed_at`."""
    record = routed_clock(submitted_at, **kwargs)  # type: ignore[arg-type]
    return apply(record, ("claim", "assigned", claimed_at), ("start", "in_progress", claimed_at))
