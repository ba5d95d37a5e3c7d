"""Reading a Dockerfile and a .dockerignore the way the Docker builder does, as far as the
image's tests need: instructions (with continuation lines), exec-form commands, the
commands named in comments, the build context's COPY sources, and which paths the
.dockerignore keeps out of the context."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

COMMENTED_COMMAND = re.compile(r"^#\s+(python -m \S+.*?)(?:\s{2,}.*)?$")


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def instructions(text: str) -> list[Instruction]:
    """Each instruction with its continuation lines joined (comments inside dropped)."""
    found: list[Instruction] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        found.append(Instruction(keyword.upper(), arguments.strip()))
        pending = ""
    return found


def exec_form(arguments: str) -> list[str]:
    """The JSON array of a CMD, ENTRYPOINT or HEALTHCHECK (after its options)."""
    start = arguments.index("[")
    command = json.loads(arguments[start:])
    assert isinstance(command, list)
    assert all(isinstance(a, str) for a in command)
    return command


def commands(text: str) -> list[list[str]]:
    """Every command the Dockerfile runs or documents: CMD, ENTRYPOINT and HEALTHCHECK in
    exec form, and the `python -m ...` commands listed in its comments."""
    found: list[list[str]] = []
    for instruction in instructions(text):
        if instruction.keyword in {"CMD", "ENTRYPOINT", "HEALTHCHECK"}:
            arguments = instruction.arguments
            if instruction.keyword == "HEALTHCHECK":  # options, then CMD and the command
                arguments = arguments[arguments.index("CMD") + len("CMD") :]
            found.append(exec_form(arguments))
    for line in text.splitlines():
        match = COMMENTED_COMMAND.match(line.strip())
        if match:
            found.append(shlex.split(match.group(1)))
    return found


def context_sources(text: str) -> list[str]:
    """The build-context paths that COPY and ADD take (not those copied between stages)."""
    sources: list[str] = []
    for instruction in instructions(text):
        if instruction.keyword not in {"COPY", "ADD"}:
            continue
        words = shlex.split(instruction.arguments)
        if any(word.startswith("--from=") for word in words):
            continue
        paths = [word for word in words if not word.startswith("--")]
        sources.extend(paths[:-1])
    return sources


def env_variables(text: str) -> dict[str, str]:
    """The variables the ENV instructions set, in `key=value` form."""
    variables: dict[str, str] = {}
    for instruction in instructions(text):
        if instruction.keyword == "ENV":
            for pair in shlex.split(instruction.arguments):
                key, _, value = pair.partition("=")
                variables[key] = value
    return variables


def _pattern(pattern: str) -> re.Pattern[str]:
    translated = ""
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            translated += "(?:.*/)?"
            index += 3
        elif pattern.startswith("**", index):
            translated += ".*"
            index += 2
        elif pattern[index] == "*":
            translated += "[^/]*"
            index += 1
        elif pattern[index] == "?":
            translated += "[^/]"
            index += 1
        elif pattern[index] == "[":
            end = pattern.index("]", index)
            translated += pattern[index : end + 1]
            index = end + 1
        else:
            translated += re.escape(pattern[index])
            index += 1
    return re.compile(translated)


def ignore_rules(text: str) -> list[tuple[bool, re.Pattern[str]]]:
    """(excludes, pattern) per .dockerignore line, in order; `!` lines re-include."""
    rules: list[tuple[bool, re.Pattern[str]]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        excludes = not line.startswith("!")
        cleaned = str(PurePosixPath(line.removeprefix("!").strip("/")))
        rules.append((excludes, _pattern(cleaned)))
    return rules


def is_ignored(path: str, rules: Sequence[tuple[bool, re.Pattern[str]]]) -> bool:
    """Whether the builder leaves `path` (relative, posix) out of the context: the last
    rule that matches the path or one of its parent folders decides."""
    parts = PurePosixPath(path).parts
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    ignored = False
    for excludes, pattern in rules:
        if any(pattern.fullmatch(prefix) for prefix in prefixes):
            ignored = excludes
    return ignored
