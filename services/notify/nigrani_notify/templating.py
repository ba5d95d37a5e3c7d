"""Message templates: one file per kind, channel, language and part, checked at start-up.

Layout under the templates directory (the packaged `templates/` by default):

    <kind>/email.<lang>.subject.txt   the subject line (whitespace collapsed to one line)
    <kind>/email.<lang>.txt           the plain-text part
    <kind>/email.<lang>.html          the HTML part (autoescaped)
    <kind>/sms.<lang>.txt             the SMS text (whitespace collapsed)
    _layout/...                       shared layouts the kinds extend (not kinds themselves)

`Templates.load` compiles every file a kind, channel and language needs and renders it
with the kind's sample context, so that a missing file, a syntax error or a variable the
kind does not have stops the service at start-up with every problem listed, rather than
failing one citizen's message at send time. Jinja's `StrictUndefined` makes a misspelt
variable an error instead of an empty string.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
    select_autoescape,
)

from nigrani_notify.contexts import OPTIONAL, SAMPLES, Context
from nigrani_notify.messages import (
    CITIZEN_KINDS,
    LANGUAGES,
    STAFF_KINDS,
    TEMPLATED_CHANNELS,
    Channel,
    Language,
    MessageKind,
    Rendered,
)

DEFAULT_TEMPLATES_DIR = Path(__file__).with_name("templates")

Part = Literal["subject", "text", "html"]
_PARTS: dict[Channel, tuple[Part, ...]] = {"email": ("subject", "text", "html"), "sms": ("text",)}
_SUFFIX: dict[Part, str] = {"subject": ".subject.txt", "text": ".txt", "html": ".html"}
_WHITESPACE = re.compile(r"\s+")
_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)

_Key = tuple[MessageKind, Channel, Language, Part]


class TemplateProblem(Exception):
    """Templates were refused; the message lists every problem with its file (and line)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        listed = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{len(problems)} template problem(s):\n{listed}")


def template_name(kind: MessageKind, channel: Channel, language: Language, part: Part) -> str:
    """The file's path relative to the templates directory (Jinja's template name)."""
    return f"{kind}/{channel}.{language}{_SUFFIX[part]}"


def _environment(directory: Path) -> Environment:
    return Environment(
        loader=FileSystemLoader(directory),
        # HTML escapes every value; subjects, text parts and SMS are not markup.
        autoescape=select_autoescape(("html",), default_for_string=False, default=False),
        undefined=StrictUndefined,
        finalize=_refuse_none,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )


def _refuse_none(value: object) -> object:
    """A value left None would print as "None" in someone's inbox: an error instead (see
    contexts.OPTIONAL, which start-up renders as None)."""
    if value is None:
        raise UndefinedError("a variable printed here is None; guard it with {% if %}")
    return value


def _keys() -> Iterator[_Key]:
    for kind in (*CITIZEN_KINDS, *STAFF_KINDS):
        for channel in TEMPLATED_CHANNELS:
            for language in LANGUAGES:
                for part in _PARTS[channel]:
                    yield kind, channel, language, part


@dataclass(frozen=True)
class Templates:
    """Every template compiled and proven to render its kind's sample."""

    directory: Path
    _compiled: dict[_Key, Template]

    @classmethod
    def load(cls, directory: Path | None = None) -> Templates:
        directory = directory or DEFAULT_TEMPLATES_DIR
        if not directory.is_dir():
            raise TemplateProblem([f"{directory}: not a directory"])
        environment = _environment(directory)
        compiled: dict[_Key, Template] = {}
        problems: list[str] = []
        for key in _keys():
            template, problem = _checked(environment, directory, key)
            if template is not None:
                compiled[key] = template
            if problem is not None and problem not in problems:
                problems.append(problem)
        problems.extend(_strays(directory))
        if problems:
            raise TemplateProblem(problems)
        return cls(directory, compiled)

    def render(
        self, kind: MessageKind, channel: Channel, language: Language, context: Context
    ) -> Rendered:
        """The message for `channel`; a context missing a variable raises `TemplateProblem`
        (a delivery stored with an incomplete context can never be sent)."""
        if channel not in _PARTS:
            raise ValueError(f"channel {channel} carries no template")
        parts = {
            part: self._part((kind, channel, language, part), context) for part in _PARTS[channel]
        }
        if channel == "sms":
            return Rendered(text=_one_line(parts["text"]))
        return Rendered(text=parts["text"], subject=_one_line(parts["subject"]), html=parts["html"])

    def _part(self, key: _Key, context: Context) -> str:
        try:
            return _tidy(self._compiled[key].render(context))
        except TemplateError as failure:
            raise TemplateProblem(
                [_describe(self.directory, template_name(*key), failure)]
            ) from failure


def _checked(
    environment: Environment, directory: Path, key: _Key
) -> tuple[Template | None, str | None]:
    """The compiled template and the problem with it, if any."""
    name = template_name(*key)
    if not (directory / name).is_file():
        return None, f"{directory / name}: missing"
    try:
        template = environment.get_template(name)
        rendered = _tidy(template.render(SAMPLES[key[0]]))
        for absent in OPTIONAL.get(key[0], ()):
            template.render({**SAMPLES[key[0]], absent: None})
    except TemplateError as failure:
        return None, _describe(directory, name, failure)
    if key[1] == "sms" and not rendered:
        return template, f"{directory / name}: renders an empty SMS for the sample"
    return template, None


def _describe(directory: Path, name: str, failure: TemplateError) -> str:
    """`<file> line <n>: <what>`, the file being the one at fault (a layout, for a syntax
    error in a layout) and the line the one Jinja was on."""
    if isinstance(failure, TemplateSyntaxError):
        at_fault = failure.filename or str(directory / (failure.name or name))
        return f"{at_fault} line {failure.lineno}: syntax error: {failure.message}"
    if isinstance(failure, TemplateNotFound):
        return f"{directory / name}: refers to missing template {failure.name}"
    where, line = _template_frame(directory, failure) or (str(directory / name), None)
    at = f" line {line}" if line is not None else ""
    return f"{where}{at}: {failure.message or type(failure).__name__} (rendering the sample)"


def _template_frame(directory: Path, failure: BaseException) -> tuple[str, int] | None:
    """The innermost traceback frame in a template file: Jinja rewrites frames so that
    they carry the template's file name and line."""
    root = str(directory.resolve())
    for frame in reversed(traceback.extract_tb(failure.__traceback__)):
        if frame.filename.startswith(root) and frame.lineno is not None:
            return frame.filename, frame.lineno
    return None


def _strays(directory: Path) -> list[str]:
    """Folders and files the loader would never read: a misspelt kind or language would
    otherwise be ignored in silence while the real file is missing."""
    kinds = set(CITIZEN_KINDS) | set(STAFF_KINDS)
    expected = {template_name(*key) for key in _keys()}
    problems = []
    for entry in sorted(directory.iterdir()):
        if entry.name.startswith(("_", ".")):
            continue
        if not entry.is_dir() or entry.name not in kinds:
            problems.append(f"{entry}: not a message kind (kinds: {', '.join(sorted(kinds))})")
            continue
        for file in sorted(entry.iterdir()):
            name = f"{entry.name}/{file.name}"
            if file.suffix in (".txt", ".html") and name not in expected:
                problems.append(f"{file}: not a template the loader reads")
    return problems


def _tidy(text: str) -> str:
    return _TRAILING.sub("", text).strip()


def _one_line(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()
