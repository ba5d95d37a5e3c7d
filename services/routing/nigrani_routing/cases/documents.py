"""Case <-> store document. One mapping, used for the snapshot, the change history and
the outbox, so the three can never disagree about what a case looks like."""

from __future__ import annotations

from typing import Any

from nigrani_shared.store.client import Document

from nigrani_routing.cases.model import Case, DepartmentRef, Priority, State


def case_document(case: Case) -> Document:
    return {
        "_id": case.request_id,
        "version": case.version,
        "state": case.state.value,
        "department_code": case.department.code,
        "department_name": case.department.name,
        "category": case.category,
        "priority": case.priority.value,
        "assignee": case.assignee,
        "transfers": case.transfers,
        "reopened": case.reopened,
        "submitted_at": case.submitted_at,
        "routed_at": case.routed_at,
        "updated_at": case.updated_at,
        "areas": list(case.areas),
        "district": case.district,
        "excluded_department": case.excluded_department,
        "resolved_at": case.resolved_at,
        "closed_at": case.closed_at,
        "rule_id": case.rule_id,
        "rule_set_version": case.rule_set_version,
        "conflict_of_interest": case.conflict_of_interest,
        "escalation_level": case.escalation_level,
        "escalated_to_role": case.escalated_to_role,
    }


def case_from_document(document: dict[str, Any]) -> Case:
    return Case(
        request_id=document["_id"],
        # Cases stored before the workflow existed had no version or state: they were routed.
        version=document.get("version", 1),
        state=State(document.get("state", State.ROUTED)),
        department=DepartmentRef(document["department_code"], document["department_name"]),
        category=document["category"],
        priority=Priority(document.get("priority", Priority.NORMAL)),
        assignee=document.get("assignee"),
        transfers=document.get("transfers", 0),
        reopened=document.get("reopened", 0),
        submitted_at=document["submitted_at"],
        routed_at=document["routed_at"],
        updated_at=document.get("updated_at", document["routed_at"]),
        areas=tuple(document.get("areas") or ()),
        district=document.get("district"),
        excluded_department=document.get("excluded_department"),
        resolved_at=document.get("resolved_at"),
        closed_at=document.get("closed_at"),
        rule_id=document.get("rule_id", ""),
        rule_set_version=document.get("rule_set_version", ""),
        conflict_of_interest=document.get("conflict_of_interest", False),
        escalation_level=document.get("escalation_level", 0),
        escalated_to_role=document.get("escalated_to_role"),
    )
