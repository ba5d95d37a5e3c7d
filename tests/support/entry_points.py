"""Does a `python -m X` command, or a console script of the project, run something that
exists in the package?

The image's Dockerfile, the compose file and the Kubernetes manifests each feed their list
of commands (argument lists, as a container runtime receives them) to
`unrunnable_commands`, so a renamed or removed entry point fails the suite wherever it is
still named. A console script (`nigrani topics create`) must be declared in pyproject.toml's
`[project.scripts]` and accept its arguments: it is run with them and `--help`.
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
BOX = " │╭╮╰╯─"  # the frame Typer (rich) draws around an error


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
            if command and command[0] in console_scripts():
                reason = why_script_unrunnable(command)
            else:
                reason = "neither a `python -m` command nor a console script of the project"
            if reason is not None:
                problems.append(f"{list(command)}: {reason}")
            continue
        reason = why_unrunnable(module)
        if reason is not None:
            problems.append(f"{list(command)}: {reason}")
    return problems


def console_scripts() -> Mapping[str, str]:
    """pyproject.toml's `[project.scripts]`: script name -> `module:function`."""
    scripts: dict[str, str] = tomllib.loads(PYPROJECT.read_text())["project"].get("scripts", {})
    return scripts


def why_script_unrunnable(command: Sequence[str]) -> str | None:
    """None when the console script runs with these arguments (its `--help` succeeds),
    else the reason it would not."""
    target = console_scripts()[command[0]]
    module, _, function = target.partition(":")
    try:
        spec = importlib.util.find_spec(module)
    except ModuleNotFoundError:
        spec = None
    if spec is None:
        return f"no module {module}"
    program = (
        f"import sys; sys.argv[0] = {command[0]!r}; "
        f"from {module} import {function} as main; sys.exit(main())"
    )
    result = subprocess.run(  # noqa: S603 - our interpreter, our own entry point
        [sys.executable, "-c", program, *command[1:], "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        lines = [line.strip(BOX) for line in (result.stderr or result.stdout).splitlines()]
        last = [line for line in lines if line][-1:]
        return f"`{' '.join(command)} --help` exits {result.returncode}: {' '.join(last)}"
    return None


def _has_main_guard(source: str) -> bool:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Compare):
            names = [node.test.left, *node.test.comparators]
            if any(isinstance(n, ast.Name) and n.id == "__name__" for n in names) and any(
                isinstance(n, ast.Constant) and n.value == "__main__" for n in names
            ):
                return True
    return False
