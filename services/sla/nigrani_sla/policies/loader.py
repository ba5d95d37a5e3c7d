"""Reads policies.yaml into a policy book, or refuses it naming the file, line and problem."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from pathlib import Path

from nigrani_shared.config_files.loading import read_bytes, validate_yaml

from nigrani_sla.policies import DEFAULT_POLICIES_PATH
from nigrani_sla.policies.errors import PolicyConfigError
from nigrani_sla.policies.model import Policy, PolicyBook
from nigrani_sla.policies.schemas import PoliciesFile


def load_policies(
    path: Path = DEFAULT_POLICIES_PATH, known_categories: Collection[str] | None = None
) -> PolicyBook:
    """`known_categories` (the intake catalog's codes) refuses a policy for a category
    that does not exist, which would otherwise never match and silently fall back."""
    raw = read_bytes(path, PolicyConfigError)
    context = {"known_categories": known_categories}
    spec = validate_yaml(PoliciesFile, raw, path.name, PolicyConfigError, context)
    return PolicyBook(
        (
            Policy(
                id=policy.id,
                category=policy.category,
                priority=policy.priority,
                first_response=policy.first_response,
                resolution=policy.resolution,
                warning_share=policy.warning_share or spec.warning_share,
                ladder=policy.rungs(),
            )
            for policy in spec.policies
        ),
        version=hashlib.sha256(raw).hexdigest()[:16],
    )
