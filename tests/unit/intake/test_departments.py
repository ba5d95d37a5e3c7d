"""The department a complaint concerns: a closed list shared with routing, checked on
submission without echoing what was sent, and kept out of sensitive public views."""

from __future__ import annotations

from typing import Any

import pytest
from nigrani_intake.catalog.departments import load_departments
from nigrani_intake.catalog.districts import load_districts
from nigrani_intake.catalog.service import load_catalog
from nigrani_intake.submissions.errors import SubmissionRejectedError
from nigrani_intake.submissions.schemas import RequestCreate
from nigrani_intake.submissions.service import SubmissionService
from nigrani_routing.rules.loader import load_book
from pydantic import ValidationError


def test_intakes_public_list_is_routings_departments() -> None:
    intake = {d.code: d.name for d in load_departments().all()}
    routing = {d.code: d.name for d in load_book().rules.departments}
    assert intake == routing


def _service() -> SubmissionService:
    """Only the checks run before any store access: the stores are never touched."""
    return SubmissionService(
        catalog=load_catalog(),
        districts=load_districts(),
        departments=load_departments(),
        requests=None,  # type: ignore[arg-type]
        outbox=None,  # type: ignore[arg-type]
        secret=b"x" * 32,
        topic="t",
        signal=None,  # type: ignore[arg-type]
        store_timeout_seconds=1,
    )


def _body(**changes: Any) -> RequestCreate:
    fields = {"category": "integrity.bribe_demanded", "description": "asked for money"}
    return RequestCreate.model_validate({**fields, **changes})


async def test_an_unknown_department_is_refused_naming_the_field_not_the_value() -> None:
    with pytest.raises(SubmissionRejectedError) as caught:
        await _service().submit(_body(concerns_department="WASA-LHX"), None)
    assert caught.value.field == "body.concerns_department"
    assert "WASA-LHX" not in str(caught.value)


@pytest.mark.parametrize("value", ["wasa-lhr", "Ayesha Khan 0300", "", 7])
def test_a_department_that_is_not_a_code_is_refused_by_the_schema(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        _body(concerns_department=value)
    assert caught.value.errors()[0]["loc"] == ("concerns_department",)
