"""Templates: every kind renders in both languages on both channels, HTML escapes what the
context brings and text does not, and the loader refuses a broken directory at start-up,
naming the file (and line)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from nigrani_notify.contexts import SAMPLES
from nigrani_notify.messages import (
    CITIZEN_KINDS,
    LANGUAGES,
    STAFF_KINDS,
    TEMPLATED_CHANNELS,
    Channel,
    Language,
    MessageKind,
)
from nigrani_notify.templating import DEFAULT_TEMPLATES_DIR, TemplateProblem, Templates

KINDS: tuple[MessageKind, ...] = (*CITIZEN_KINDS, *STAFF_KINDS)
URDU_LETTER = re.compile(r"[\u0600-\u06ff]")
# The GSM 03.38 basic character set (an English SMS outside it would be sent as UCS-2).
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


@pytest.fixture(scope="module")
def templates() -> Templates:
    return Templates.load()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("channel", TEMPLATED_CHANNELS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_template_renders_its_sample(
    templates: Templates, kind: MessageKind, channel: Channel, language: Language
) -> None:
    sample = SAMPLES[kind]
    rendered = templates.render(kind, channel, language, sample)
    link = sample["status_url"] if kind in CITIZEN_KINDS else sample["case_url"]
    assert str(sample["tracking_code"]) in rendered.text
    assert str(link) in rendered.text
    assert (URDU_LETTER.search(rendered.text) is not None) == (language == "ur")
    if channel == "sms":
        assert rendered.subject is None
        assert rendered.html is None
        return
    assert rendered.subject is not None
    assert rendered.html is not None
    assert str(sample["tracking_code"]) in rendered.subject
    assert str(sample["tracking_code"]) in rendered.html
    assert f'href="{link}"' in rendered.html
    direction = "rtl" if language == "ur" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in rendered.html


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("channel", TEMPLATED_CHANNELS)
def test_resolved_says_how_to_confirm_or_dispute_and_by_when(
    templates: Templates, channel: Channel, language: Language
) -> None:
    rendered = templates.render("resolved", channel, language, SAMPLES["resolved"])
    words = ("confirm", "dispute") if language == "en" else ("تصدیق", "اعتراض")
    for part in (rendered.text, rendered.html or rendered.text):
        assert "12 Dec 2026" in part
        assert all(word in part for word in words)


@pytest.mark.parametrize("kind", KINDS)
def test_sms_samples_fit_their_segments(templates: Templates, kind: MessageKind) -> None:
    """English in one GSM-7 segment (160), Urdu in two UCS-2 segments (2 x 67 units)."""
    english = templates.render(kind, "sms", "en", SAMPLES[kind]).text
    urdu = templates.render(kind, "sms", "ur", SAMPLES[kind]).text
    assert set(english) <= GSM7
    assert len(english) <= 160
    assert len(urdu.encode("utf-16-le")) // 2 <= 134


@pytest.mark.parametrize("language", LANGUAGES)
def test_html_escapes_context_values_and_text_keeps_them(
    templates: Templates, language: Language
) -> None:
    context = {
        **SAMPLES["awaiting_information"],
        "public_note": "<script>alert(1)</script> Tom & Jerry",
        "department_name": "Water & Sanitation",
    }
    email = templates.render("awaiting_information", "email", language, context)
    sms = templates.render("routed", "sms", language, {**SAMPLES["routed"], **context})
    assert email.html is not None
    assert "<script>" not in email.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Tom &amp; Jerry" in email.html
    assert "<script>alert(1)</script> Tom & Jerry" in email.text
    assert "Water & Sanitation" in email.text
    assert "Water & Sanitation" in sms.text
    assert "&amp;" not in email.text + sms.text


def test_subject_line_and_sms_collapse_whitespace_and_text_has_no_trailing_spaces(
    templates: Templates,
) -> None:
    context = {**SAMPLES["routed"], "department_name": "Water  and\n Sanitation"}
    email = templates.render("routed", "email", "en", context)
    sms = templates.render("routed", "sms", "en", context)
    assert email.subject is not None
    assert "\n" not in email.subject
    assert "Water and Sanitation" in email.subject
    assert "Water and Sanitation." in sms.text
    assert "  " not in sms.text
    assert all(line == line.rstrip() for line in email.text.splitlines())
    assert email.text == email.text.strip()


def test_render_refuses_a_context_missing_a_variable(templates: Templates) -> None:
    context = {k: v for k, v in SAMPLES["resolved"].items() if k != "confirm_by"}
    with pytest.raises(TemplateProblem, match=r"resolved/email\.en\.(subject\.)?txt.*confirm_by"):
        templates.render("resolved", "email", "en", context)


def test_render_refuses_the_webhook_channel(templates: Templates) -> None:
    with pytest.raises(ValueError, match="webhook"):
        templates.render("received", "webhook", "en", SAMPLES["received"])


@pytest.fixture
def copied(tmp_path: Path) -> Path:
    directory = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES_DIR, directory)
    return directory


def _problems(directory: Path) -> str:
    with pytest.raises(TemplateProblem) as refused:
        Templates.load(directory)
    return str(refused.value)


def test_a_copy_of_the_shipped_templates_loads(copied: Path) -> None:
    assert Templates.load(copied).directory == copied


def test_load_refuses_a_missing_file(copied: Path) -> None:
    (copied / "closed" / "sms.ur.txt").unlink()
    assert f"{copied / 'closed' / 'sms.ur.txt'}: missing" in _problems(copied)


def test_load_refuses_an_undefined_variable_naming_file_and_line(copied: Path) -> None:
    path = copied / "received" / "email.ur.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "tracking_code" in text)
    lines[line - 1] = lines[line - 1].replace("tracking_code", "traking_code")
    path.write_text("\n".join(lines), encoding="utf-8")
    problems = _problems(copied)
    assert f"{path} line {line}: 'traking_code' is undefined" in problems


def test_load_refuses_a_syntax_error_naming_file_and_line(copied: Path) -> None:
    path = copied / "staff_waiting" / "email.en.html"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("{% endblock %}\n", "{% endblok %}\n", 1), encoding="utf-8")
    line = next(
        n for n, t in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "endblok" in t
    )
    assert f"{path} line {line}: syntax error" in _problems(copied)


def test_load_names_a_broken_layout_once(copied: Path) -> None:
    layout = copied / "_layout" / "email.ur.html"
    layout.write_text(layout.read_text(encoding="utf-8") + "{% if %}\n", encoding="utf-8")
    problems = _problems(copied)
    assert problems.count(f"{layout} line") == 1


def test_load_lists_every_problem(copied: Path) -> None:
    (copied / "routed" / "email.en.subject.txt").unlink()
    (copied / "overdue" / "sms.en.txt").write_text("{{ overdue_by }}", encoding="utf-8")
    problems = _problems(copied)
    assert "routed/email.en.subject.txt: missing" in problems
    assert "overdue/sms.en.txt line 1: 'overdue_by' is undefined" in problems
    assert problems.startswith("2 template problem(s)")


def test_load_refuses_an_sms_that_renders_empty(copied: Path) -> None:
    path = copied / "received" / "sms.en.txt"
    path.write_text("{% if false %}{{ tracking_code }}{% endif %}\n  \n", encoding="utf-8")
    assert f"{path}: renders an empty SMS" in _problems(copied)


def test_load_refuses_a_misspelt_kind_or_file(copied: Path) -> None:
    (copied / "recieved").mkdir()
    (copied / "closed" / "sms.urdu.txt").write_text("x", encoding="utf-8")
    problems = _problems(copied)
    assert f"{copied / 'recieved'}: not a message kind" in problems
    assert f"{copied / 'closed' / 'sms.urdu.txt'}: not a template the loader reads" in problems


def test_load_refuses_a_directory_that_is_not_there(tmp_path: Path) -> None:
    assert f"{tmp_path / 'nowhere'}: not a directory" in _problems(tmp_path / "nowhere")


def test_render_strips_trailing_whitespace_from_text_parts(copied: Path) -> None:
    (copied / "received" / "email.en.txt").write_text(
        "\n{{ tracking_code }}   \n\n\t{{ status_url }}\t \n\n  \n", encoding="utf-8"
    )
    sample = SAMPLES["received"]
    text = Templates.load(copied).render("received", "email", "en", sample).text
    assert text == f"{sample['tracking_code']}\n\n\t{sample['status_url']}"


def test_load_refuses_a_template_that_would_print_an_absent_value_as_none(copied: Path) -> None:
    """`due_at` may be None for an assignment (contexts.OPTIONAL): a template printing it
    unguarded would tell an official "due None"."""
    path = copied / "staff_assigned" / "sms.en.txt"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("{% if due_at %}", "").replace("{% endif %}", ""), "utf-8")
    assert f"{path} line 2: a variable printed here is None" in _problems(copied)
