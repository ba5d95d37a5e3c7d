"""The one error a bad rules or areas file raises, naming the file, the line and the problem.

An operator who edits routing.yaml at night and sends SIGHUP must see which line is wrong
without reading a traceback; the rules in force stay until the file is fixed.
"""

from __future__ import annotations


class RulesError(Exception):
    """A rules or areas file was refused: `message` is what an operator needs to fix it."""

    def __init__(self, file_name: str, line: int | None, problem: str) -> None:
        where = f"{file_name} line {line}" if line is not None else file_name
        super().__init__(f"{where}: {problem}")
        self.file_name = file_name
        self.line = line
        self.problem = problem

    @property
    def message(self) -> str:
        return str(self)
