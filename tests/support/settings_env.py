"""Which environment variables a settings class reads, for the deployment checks.

A compose file or a manifest that sets a variable no settings class reads configures
nothing (a typo, or an option since renamed), and one that leaves a needed variable unset
runs on a default meant for a developer's machine. Both checks need the exact names a
class reads, and those follow pydantic-settings' rules: the field's name, its
`validation_alias` (each choice of an `AliasChoices`, the head of an `AliasPath`), and the
field's name as well when the class populates by name. A class that is not case-sensitive
matches any case; the names are given upper-cased, as deployments write them. Rather than
restate those rules, the names come from pydantic-settings' own environment source (a
private method, so tests/unit/support/test_settings_env.py pins the cases we rely on,
should a release change them).

A field whose type is a model (notify's NOTIFY_SMTP) is read as one JSON object: the
variable carries `json_model`, so a caller can check the object's keys.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource


@dataclass(frozen=True)
class EnvVariable:
    name: str  # as the environment spells it
    field: str
    json_model: type[BaseModel] | None  # the variable holds one JSON object of this model
    required: bool  # the field has no default


def env_variables(settings: type[BaseSettings]) -> dict[str, EnvVariable]:
    """Every variable `settings` reads, by name."""
    source = EnvSettingsSource(settings)
    upper = not settings.model_config.get("case_sensitive", False)
    found: dict[str, EnvVariable] = {}
    for field_name, field in settings.model_fields.items():
        for _key, env_name, _complex in source._extract_field_info(field, field_name):
            name = env_name.upper() if upper else env_name
            found[name] = EnvVariable(
                name=name,
                field=field_name,
                json_model=_model_of(field),
                required=field.is_required(),
            )
    return found


def names_of_field(settings: type[BaseSettings], field_name: str) -> set[str]:
    """The variables that set one field (`http_port` of IntakeSettings: INTAKE_PORT, HTTP_PORT)."""
    return {v.name for v in env_variables(settings).values() if v.field == field_name}


def unread_variables(settings: type[BaseSettings], environment: Mapping[str, str]) -> list[str]:
    """Names in `environment` that `settings` never reads, and keys of a JSON variable that
    are not fields of its model (`NOTIFY_SMTP.hostname`)."""
    read = env_variables(settings)
    problems: list[str] = []
    for name, value in environment.items():
        case_sensitive = settings.model_config.get("case_sensitive", False)
        variable = read.get(name if case_sensitive else name.upper())
        if variable is None:
            problems.append(name)
        elif variable.json_model is not None:
            keys = json.loads(value)
            fields = variable.json_model.model_fields
            problems.extend(f"{name}.{key}" for key in keys if key not in fields)
    return problems


def _model_of(field: FieldInfo) -> type[BaseModel] | None:
    """The model a field holds (`EmailSettings`, `EmailSettings | None`), or None."""
    annotation = field.annotation
    candidates = (
        typing.get_args(annotation)
        if typing.get_origin(annotation) in (typing.Union, types.UnionType)
        else (annotation,)
    )
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None
