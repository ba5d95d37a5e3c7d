"""The names tests/support/settings_env.py reports are the ones pydantic-settings reads.

It asks pydantic-settings' own (private) environment source, so these pin the cases the
deployment checks rely on: an alias, the field's name beside it (populate_by_name), the
plain field name, a JSON object's model, and what a settings object really picks up.
"""

from __future__ import annotations

import pytest
from nigrani_intake.config import IntakeSettings
from nigrani_notify.channels.email import EmailSettings
from nigrani_notify.config import NotifySettings
from nigrani_routing.config import RoutingSettings

from tests.support.settings_env import env_variables, names_of_field, unread_variables


def test_an_alias_and_the_field_name_are_both_read() -> None:
    assert names_of_field(IntakeSettings, "http_port") == {"INTAKE_PORT", "HTTP_PORT"}
    assert names_of_field(RoutingSettings, "staff_jwt_secret") == {"STAFF_JWT_SECRET"}
    assert names_of_field(NotifySettings, "secret_key") == {"SECRET_KEY"}


def test_a_model_field_is_one_json_variable() -> None:
    smtp = env_variables(NotifySettings)["NOTIFY_SMTP"]

    assert smtp.json_model is EmailSettings
    assert not smtp.required


def test_unread_names_and_unknown_json_keys_are_reported() -> None:
    environment = {
        "SECRET_KEY": "x",
        "intake_port": "1",  # any case is read
        "INTAKE_CATALOGUE": "x",
        "NOTIFY_SMTP": '{"host": "mailpit", "hostname": "mailpit"}',
    }

    assert unread_variables(IntakeSettings, environment) == ["INTAKE_CATALOGUE", "NOTIFY_SMTP"]
    assert unread_variables(NotifySettings, environment) == [
        "intake_port",
        "INTAKE_CATALOGUE",
        "NOTIFY_SMTP.hostname",
    ]


@pytest.mark.parametrize("name", ["INTAKE_PORT", "HTTP_PORT"])
def test_what_is_reported_is_what_pydantic_settings_reads(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for other in env_variables(IntakeSettings):
        monkeypatch.delenv(other, raising=False)
    monkeypatch.setenv(name, "18123")

    assert IntakeSettings().http_port == 18123
