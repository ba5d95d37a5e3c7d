"""Finds the line of a YAML node by its path, so a validation error can name its line.

Pydantic reports where a problem is as a path (`rules.3.department`); the operator needs a
line number. Composing the YAML (the node tree, before it becomes Python objects) keeps
each node's position, and the path is walked down that tree.
"""

from __future__ import annotations

from collections.abc import Sequence

import yaml


class YamlLines:
    """The node tree of one YAML text, answering "which line is this path on"."""

    def __init__(self, text: str) -> None:
        self._root = yaml.compose(text, Loader=yaml.SafeLoader)

    def line_of(self, path: Sequence[str | int]) -> int:
        """1-based line of the deepest node the path reaches: a missing key is reported at
        the mapping that lacks it, which is where the operator must add it."""
        node = self._root
        if node is None:
            return 1
        line = node.start_mark.line + 1
        for part in path:
            found = _child(node, part)
            if found is None:
                break
            key_line, node = found
            line = key_line
        return line


def _child(node: yaml.Node, part: str | int) -> tuple[int, yaml.Node] | None:
    """The child at `part` and the line that names it (a key's line, an item's line)."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return key.start_mark.line + 1, value
    if (
        isinstance(node, yaml.SequenceNode)
        and isinstance(part, int)
        and 0 <= part < len(node.value)
    ):
        item = node.value[part]
        return item.start_mark.line + 1, item
    return None
