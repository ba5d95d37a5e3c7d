"""Reads a YAML configuration file into a pydantic model, or refuses it naming the line.

Every refusal is the caller's `ConfigFileError` subclass: a file that cannot be read, is not
UTF-8, is not YAML (the parser's mark gives the line), or fails validation (pydantic's
error path walked down the composed YAML gives the line). A model validator that finds a
broken cross-reference raises `reference_error(path, message)` so that its line is found
the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from nigrani_shared.config_files.errors import ConfigFileError
from nigrani_shared.config_files.yaml_lines import YamlLines

REFERENCE_ERROR = "config_reference"

ModelT = TypeVar("ModelT", bound=BaseModel)


def reference_error(path: Sequence[str | int], message: str) -> PydanticCustomError:
    """A validation error whose message is `message` as it stands, located at `path`
    (from the file's root) rather than at the validator that raised it."""
    return PydanticCustomError(
        REFERENCE_ERROR, "{message}", {"message": message, "path": tuple(path)}
    )


def read_bytes(path: Path, error: type[ConfigFileError]) -> bytes:
    try:
        return path.read_bytes()
    except OSError as failure:
        raise error(path.name, None, f"cannot be read ({failure.strerror})") from failure


def parse_yaml(raw: bytes, file_name: str, error: type[ConfigFileError]) -> tuple[str, Any]:
    """The file's text and its data; YAML syntax errors name the parser's line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as failure:
        raise error(file_name, None, f"is not UTF-8 ({failure.reason})") from failure
    try:
        return text, yaml.safe_load(text)
    except yaml.MarkedYAMLError as failure:
        mark = failure.problem_mark or failure.context_mark
        problem = " ".join(p for p in (failure.context, failure.problem) if p) or "not valid YAML"
        raise error(
            file_name, mark.line + 1 if mark else None, f"not valid YAML: {problem}"
        ) from failure
    except yaml.YAMLError as failure:
        raise error(file_name, None, f"not valid YAML: {failure}") from failure


def validate_yaml(
    model: type[ModelT],
    raw: bytes,
    file_name: str,
    error: type[ConfigFileError],
    context: dict[str, Any] | None = None,
) -> ModelT:
    """`raw` parsed and validated as `model` (with pydantic `context`), or `error`."""
    text, data = parse_yaml(raw, file_name, error)
    try:
        return model.model_validate(data, context=context)
    except ValidationError as failure:
        raise located(failure, text, file_name, error) from failure


def located(
    failure: ValidationError, text: str, file_name: str, error: type[ConfigFileError]
) -> ConfigFileError:
    """The first problem of `failure`, at its line in `text`."""
    first = failure.errors()[0]
    context = first.get("ctx") or {}
    if first["type"] == REFERENCE_ERROR:
        path, problem = tuple(context["path"]), str(context["message"])
    else:
        path = tuple(first["loc"])
        field = ".".join(str(part) for part in path) or "the file"
        problem = f"{field}: {first['msg']}"
    return error(file_name, YamlLines(text).line_of(path), problem)
