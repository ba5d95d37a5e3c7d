"""What notify remembers of each request: enough to say who should hear about an event.

Lifecycle events carry no contact and SLA events no assignee, so notify keeps one small
document per request (category, department, state, assignee, case version, whether the
citizen can be reached at all). The consumer that owns the request's partition is its
only writer; a case change older than the one applied is ignored, so a redelivery or a
replay never moves it back.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime

from nigrani_shared.events import (
    CaseChanged,
    DeadlineSet,
    RequestRouted,
    RequestRoutedV1,
    RequestSubmitted,
    RequestSubmittedV1,
    RequestSubmittedV2,
)
from nigrani_shared.store.client import Document
from pymongo.asynchronous.collection import AsyncCollection

Submitted = RequestSubmitted | RequestSubmittedV2 | RequestSubmittedV1
Routed = RequestRouted | RequestRoutedV1


@dataclass(frozen=True)
class CaseView:
    request_id: str
    category: str | None = None
    priority: str | None = None
    department_code: str | None = None
    department_name: str | None = None
    state: str | None = None
    assignee: str | None = None
    case_version: int = 0
    # None: not known (the submission came before notify's horizon); the contact look-up
    # then decides. False: anonymous or given without contact, never messaged.
    citizen_reachable: bool | None = None
    resolution_due_at: datetime | None = None  # from the SLA's latest deadline_set
    deadline_generation: int = 0


def reachable(event: Submitted) -> bool:
    if isinstance(event, RequestSubmittedV1):
        return event.contact is not None and not event.sensitive
    return event.has_contact and not event.anonymous


def after_submitted(view: CaseView, event: Submitted) -> CaseView:
    return replace(
        view,
        category=view.category or event.category,
        priority=view.priority or "normal",
        citizen_reachable=reachable(event),
    )


def after_routed(view: CaseView, event: Routed) -> CaseView:
    priority = event.priority if isinstance(event, RequestRouted) else view.priority
    category = event.category if isinstance(event, RequestRouted) else view.category
    if view.case_version > 0:  # a case change already said where the case is
        return replace(view, category=category)
    return replace(
        view,
        category=category,
        priority=priority,
        department_code=event.department_code,
        department_name=event.department_name,
        state="routed",
    )


def after_case_changed(view: CaseView, event: CaseChanged) -> CaseView:
    if event.case_version <= view.case_version:
        return view
    return replace(
        view,
        priority=event.priority,
        department_code=event.department_code,
        department_name=event.department_name,
        state=event.to_state,
        assignee=event.assignee,
        case_version=event.case_version,
    )


def after_deadline_set(view: CaseView, event: DeadlineSet) -> CaseView:
    if event.generation <= view.deadline_generation:
        return view
    return replace(
        view, resolution_due_at=event.resolution_due_at, deadline_generation=event.generation
    )


class CaseViews:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection

    async def get(self, request_id: str) -> CaseView:
        document = await self._collection.find_one({"_id": request_id})
        if document is None:
            return CaseView(request_id=request_id)
        fields = {key: value for key, value in document.items() if key not in {"_id", "at"}}
        return CaseView(request_id=request_id, **fields)

    async def save(self, view: CaseView, at: datetime) -> None:
        fields = asdict(view)
        del fields["request_id"]
        await self._collection.replace_one(
            {"_id": view.request_id}, {**fields, "at": at}, upsert=True
        )
