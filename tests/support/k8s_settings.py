"""A rendered pod's settings, built the way its process builds them: the service's own
settings class reading the container's environment (and nothing of the test run's), with
the ConfigMap volumes laid out under a temporary folder standing in for the mounts."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from unittest import mock

from nigrani_shared.settings import NigraniSettings
from nigrani_shared.web.healthcheck import WORKER_SUFFIX, settings_class
from pydantic import BaseModel, SecretStr

from tests.support import k8s

#: The example Secret's keys and values stand in for the cluster's Secret in every overlay.
SECRETS_FROM = "dev"


def settings_type(pod: k8s.Pod) -> type[NigraniSettings]:
    """The class the pod's process builds: its service's, or the shared one for a command
    that is not a service (the topics Job reads only the shared settings)."""
    module = pod.module
    if module is None:
        return NigraniSettings
    found = settings_class(module.removesuffix(WORKER_SUFFIX))
    assert found is not None, module
    return found


def example_secrets() -> dict[str, str]:
    return k8s.secret_data(k8s.render(SECRETS_FROM), "nigrani-secrets")


def build(objects: list[k8s.Object], pod: k8s.Pod, root: Path) -> NigraniSettings:
    """The pod's settings, its mounted paths moved under `root`."""
    mounts = k8s.lay_out_volumes(objects, pod, root)
    env = k8s.environment(objects, pod, example_secrets())
    for name, value in env.items():
        for mount_path, folder in mounts.items():
            if value == mount_path or value.startswith(f"{mount_path}/"):
                env[name] = str(folder) + value.removeprefix(mount_path)
    with mock.patch.dict(os.environ, env, clear=True):
        return settings_type(pod)()


def env_name(settings: type[BaseModel], field: str) -> str:
    alias = settings.model_fields[field].validation_alias
    if alias is None:
        return field.upper()
    if isinstance(alias, str):
        return alias
    choices = getattr(alias, "choices", [])
    assert choices, (settings, field)
    assert isinstance(choices[0], str), (settings, field)
    return choices[0]


def secret_variables(settings: type[BaseModel]) -> set[str]:
    """The variables holding a secret: SecretStr fields, and fields whose model holds one
    (a gateway's JSON with its password), plus the store's URI (its credentials)."""
    found = {"MONGODB_URI"}
    for field, info in settings.model_fields.items():
        if _holds_secret(info.annotation):
            found.add(env_name(settings, field))
    return found


def _holds_secret(annotation: Any) -> bool:
    if annotation is SecretStr:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return any(_holds_secret(f.annotation) for f in annotation.model_fields.values())
    return any(_holds_secret(arg) for arg in getattr(annotation, "__args__", ()))


def packaged_files() -> Mapping[tuple[type[NigraniSettings], str], Path]:
    """Each file setting of each service, and the file or folder the package ships for it."""
    from nigrani_intake.catalog.departments import DEFAULT_DEPARTMENTS_PATH
    from nigrani_intake.catalog.districts import DEFAULT_DISTRICTS_PATH
    from nigrani_intake.catalog.service import DEFAULT_CATALOG_PATH
    from nigrani_intake.config import IntakeSettings
    from nigrani_notify.config import NotifySettings
    from nigrani_notify.recipients import DEFAULT_RECIPIENTS_PATH
    from nigrani_notify.templating import DEFAULT_TEMPLATES_DIR
    from nigrani_routing.config import RoutingSettings
    from nigrani_routing.rules.loader import DEFAULT_AREAS_PATH, DEFAULT_RULES_PATH
    from nigrani_sla.calendar import DEFAULT_CALENDARS_PATH, DEFAULT_CLOSURES_PATH
    from nigrani_sla.config import SlaSettings
    from nigrani_sla.policies import DEFAULT_POLICIES_PATH

    return {
        (IntakeSettings, "catalog_path"): DEFAULT_CATALOG_PATH,
        (IntakeSettings, "districts_path"): DEFAULT_DISTRICTS_PATH,
        (IntakeSettings, "departments_path"): DEFAULT_DEPARTMENTS_PATH,
        (RoutingSettings, "rules_path"): DEFAULT_RULES_PATH,
        (RoutingSettings, "areas_path"): DEFAULT_AREAS_PATH,
        (SlaSettings, "policies_path"): DEFAULT_POLICIES_PATH,
        (SlaSettings, "calendars_path"): DEFAULT_CALENDARS_PATH,
        (SlaSettings, "closures_path"): DEFAULT_CLOSURES_PATH,
        (NotifySettings, "templates_path"): DEFAULT_TEMPLATES_DIR,
        (NotifySettings, "recipients_path"): DEFAULT_RECIPIENTS_PATH,
    }
