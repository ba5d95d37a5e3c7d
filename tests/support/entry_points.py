"""Does a `python -m X` command run something that exists in the package?

The image's Dockerfile names its commands today; the compose file and the Kubernetes
manifests will name theirs. Each feeds its list of commands (argument lists, as a container
runtime receives them) to `unrunnable_commands`, so a renamed or removed entry point fails
the suite wherever it is still named.
"""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Iterable, Sequence
from pathlib import Path


def python_module(command: Sequence[str]) -> str | None:
    """X in `python -m X ...` (any python executable, after any init); None otherwise."""
    for index, argument in enumerate(command[:-1]):
        if argument == "-m" and Path(command[index - 1]).name.startswith("python"):
            return command[index + 1]
    return None


def why_unrunnable(module: str) -> str | None:
    """None when `python -m module` would run code of ours, else the reason it would not."""
    try:
        spec = importlib.util.find_spec(module)
    except ModuleNotFoundError:
        spec = None
    if spec is None:
        return f"no module {module}"
    if spec.submodule_search_locations is not None:  # a package runs its __main__
        return why_unrunnable(f"{module}.__main__")
    if spec.origin is None or not spec.origin.endswith(".py"):
        return f"{module} has no Python source"
    if not _has_main_guard(Path(spec.origin).read_text()):
        return f'{module} does nothing when run (no `if __name__ == "__main__":`)'
    return None


def unrunnable_commands(commands: Iterable[Sequence[str]]) -> list[str]:
    """One line per command that names a module which is missing or does not run."""
    problems: list[str] = []
    for command in commands:
        module = python_module(command)
        if module is None:
            problems.append(f"{list(command)}: not a `python -m` command")
            continue
        reason = why_unrunnable(module)
        if reason is not None:
            problems.append(f"{list(command)}: {reason}")
    return problems


def _has_main_guard(source: str) -> bool:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Compare):
            names = [node.test.left, *node.test.comparators]
            if any(isinstance(n, ast.Name) and n.id == "__name__" for n in names) and any(
                isinstance(n, ast.Constant) and n.value == "__main__" for n in names
            ):
                return True
    return False
