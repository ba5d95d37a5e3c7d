"""What the planner actually plans, rendered by the packaged templates: start-up checks
each template against its kind's sample only, so a context the planner builds unlike the
sample (a value left None) is caught here, not in a citizen's or an official's inbox."""

from __future__ import annotations

import pytest
from nigrani_notify.messages import Language
from nigrani_notify.templating import Templates

from tests.unit.notify.test_planning import PLANNER, WORKING, changed

TEMPLATES = Templates.load()


@pytest.mark.parametrize("language", ["en", "ur"])
def test_an_assignment_before_any_deadline_never_prints_none(language: Language) -> None:
    assert WORKING.resolution_due_at is None  # the SLA's deadline has not arrived yet
    (planned,) = PLANNER.plan(
        changed(3, "assign", "assigned", "assigned", assignee="officer-2"), WORKING
    )
    assert planned.kind == "staff_assigned"
    sms = TEMPLATES.render("staff_assigned", "sms", language, planned.context)
    email = TEMPLATES.render("staff_assigned", "email", language, planned.context)
    for text in (sms.text, email.text, email.html or ""):
        assert "None" not in text
