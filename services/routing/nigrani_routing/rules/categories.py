"""How a rule's category patterns match a request's category, in one place for rules and
for the conflict-of-interest list."""

from __future__ import annotations

from collections.abc import Collection


def category_score(patterns: Collection[str], category: str) -> int:
    """2 for an exact code, 1 for the category's group ("water.*"), 0 for no match."""
    if category in patterns:
        return 2
    group = category.split(".", 1)[0]
    return 1 if f"{group}.*" in patterns else 0
