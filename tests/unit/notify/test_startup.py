"""Notify refuses to start on a broken template or recipients file, naming the file: a
mistake is found by the operator at deploy time, never by a citizen at send time."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from nigrani_notify.config import NotifySettings
from nigrani_notify.main import create_app
from nigrani_notify.recipients_file import RecipientsConfigError
from nigrani_notify.templating import DEFAULT_TEMPLATES_DIR, TemplateProblem


def _settings(**overrides: object) -> NotifySettings:
    return NotifySettings(environment="test", **overrides)


def test_a_missing_template_stops_start_up(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES_DIR, templates)
    (templates / "resolved" / "sms.ur.txt").unlink()
    with pytest.raises(TemplateProblem, match=r"resolved/sms\.ur\.txt: missing"):
        create_app(_settings(templates_path=templates))


def test_a_recipients_file_naming_an_unknown_official_stops_start_up(tmp_path: Path) -> None:
    recipients = tmp_path / "recipients.yaml"
    recipients.write_text(
        "staff:\n  officer-1: {email: officer-1@example.gov.pk}\n"
        "departments:\n  WASA-LHR:\n    roles:\n      supervisor: [nobody]\n",
        encoding="utf-8",
    )
    with pytest.raises(RecipientsConfigError, match="line"):
        create_app(_settings(recipients_path=recipients))


def test_production_refuses_to_start_without_the_contacts_token() -> None:
    with pytest.raises(ValueError, match="INTERNAL_API_TOKEN"):
        NotifySettings(environment="production", secret_key="a-real-secret-for-production")
