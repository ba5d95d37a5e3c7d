"""The one shape of a refused configuration file: file, line and problem in one message.

An operator who edits a file at night must see which line is wrong without reading a
traceback; each service subclasses this so its callers can catch its own files' errors.
"""

from __future__ import annotations


class ConfigFileError(Exception):
    """A configuration file was refused: `message` is what an operator needs to fix it."""

    def __init__(self, file_name: str, line: int | None, problem: str) -> None:
        where = f"{file_name} line {line}" if line is not None else file_name
        super().__init__(f"{where}: {problem}")
        self.file_name = file_name
        self.line = line
        self.problem = problem

    @property
    def message(self) -> str:
        return str(self)
