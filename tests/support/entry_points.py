"""Does a command run something that exists in the package?

The image's Dockerfile, the compose file and the Kubernetes manifests name commands. Each
feeds its list of commands (argument lists, as a container runtime receives them) to
`unrunnable_commands`, so a renamed or removed entry point fails the suite wherever it is
still named. A command is `python -m X ...` (X must run), or one of the console scripts of
pyproject.toml's [project.scripts] (`nigrani topics create`: the script's object must exist
and, for a Typer or Click command line, `topics create` must be one of its commands).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import typer

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def console_scripts(pyproject: Path = PYPROJECT) -> dict[str, str]:
    """[project.scripts]: script name -> `module:object`."""
    scripts: dict[str, str] = tomllib.loads(pyproject.read_text())["project"].get("scripts", {})
    return scripts


def why_script_unrunnable(target: str, arguments: Sequence[str]) -> str | None:
    """None when the script's object exists and, if it is a command-line group, names the
    subcommands in `arguments` (options and their values are not followed)."""
    module_name, _, attribute = target.partition(":")
    try:
        found: object = importlib.import_module(module_name)
    except ModuleNotFoundError:
        return f"no module {module_name}"
    for part in attribute.split("."):
        if not hasattr(found, part):
            return f"{module_name} has no {attribute}"
        found = getattr(found, part)
    if not callable(found):
        return f"{target} is not callable"
    # A Typer app becomes its Click command line; a group is whatever has `commands`
    # (Typer vendors its own Click, so its classes are not click's).
    command: object = typer.main.get_command(found) if isinstance(found, typer.Typer) else found
    words: list[str] = []
    for argument in arguments:
        subcommands = getattr(command, "commands", None)
        if argument.startswith("-") or not isinstance(subcommands, Mapping):
            break
        words.append(argument)
        if argument not in subcommands:
            return f"no command `{' '.join(words)}`"
        command = subcommands[argument]
    if isinstance(getattr(command, "commands", None), Mapping):
        return f"`{' '.join(words)}` names a group of commands, not a command"
    return None


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


def unrunnable_commands(
    commands: Iterable[Sequence[str]], scripts: Mapping[str, str] | None = None
) -> list[str]:
    """One line per command that names a module, script or subcommand which is missing or
    does not run. `scripts` defaults to pyproject.toml's console scripts."""
    scripts = console_scripts() if scripts is None else scripts
    problems: list[str] = []
    for command in commands:
        module = python_module(command)
        if module is None and command and command[0] in scripts:
            reason = why_script_unrunnable(scripts[command[0]], command[1:])
        elif module is None:
            reason = "not a `python -m` command nor a console script of pyproject.toml"
        else:
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
