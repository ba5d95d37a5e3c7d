"""Who can reach what, as rendered: everything is denied unless a policy allows it; only
intake accepts connections from the public ingress, which routes only intake's citizen
API; routing's staff API and the SLA dashboards are reached only through the staff
ingress; notify alone calls intake's internal API; every pod reaches DNS and Kafka, the
services and workers MongoDB, and notify its gateways."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from nigrani_notify.config import NotifySettings

from tests.support import k8s, k8s_network, k8s_settings

METRICS = "namespace monitoring: TCP/http"
INGRESS = {
    "intake": {"namespace ingress-public: TCP/http", "pod notify: TCP/http", METRICS},
    "intake-worker": {METRICS},
    "routing": {"namespace ingress-staff: TCP/http", METRICS},
    "routing-worker": {METRICS},
    "sla": {"namespace ingress-staff: TCP/http", METRICS},
    "notify": {METRICS},
    "nigrani-topics": set(),
}
EVERY_POD = {"namespace kube-system pod k8s-app=kube-dns: UDP/53,TCP/53", "anyone: TCP/9092"}
STORE = "anyone: TCP/27017"
GATEWAYS = "cidr 0.0.0.0/0: TCP/25,TCP/465,TCP/587,TCP/443"
EGRESS = {
    "intake": {*EVERY_POD, STORE},
    "intake-worker": {*EVERY_POD, STORE},
    "routing": {*EVERY_POD, STORE},
    "routing-worker": {*EVERY_POD, STORE},
    "sla": {*EVERY_POD, STORE},
    "notify": {*EVERY_POD, STORE, "pod intake: TCP/8000", GATEWAYS},
    "nigrani-topics": EVERY_POD,
}
# dev runs Mailpit in its own namespace as notify's SMTP server and SMS gateway.
DEV_EGRESS = {**EGRESS, "notify": {*EGRESS["notify"], "pod any: TCP/1025,TCP/8025"}}
PUBLIC_PATH_PREFIX = "/v1/"  # intake's citizen API; never /internal/, /docs or /metrics


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_everything_is_denied_unless_allowed(overlay: str) -> None:
    policies = k8s.of_kind(k8s.render(overlay), "NetworkPolicy")

    assert any(
        p["spec"]["podSelector"] == {}
        and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
        for p in policies
    )


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
@pytest.mark.parametrize("direction", ["Ingress", "Egress"])
def test_each_pod_is_reachable_and_reaches_exactly_what_it_needs(
    overlay: str, direction: str
) -> None:
    objects = k8s.render(overlay)
    expected = INGRESS if direction == "Ingress" else DEV_EGRESS if overlay == "dev" else EGRESS
    pods = k8s.pods(objects)

    assert {pod.name for pod in pods} == set(expected)
    for pod in pods:
        assert k8s_network.allowed(objects, pod.labels, direction) == expected[pod.name], pod.name


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_the_public_ingress_routes_only_intakes_citizen_api(overlay: str) -> None:
    ingresses = {
        i["spec"]["ingressClassName"]: i for i in k8s.of_kind(k8s.render(overlay), "Ingress")
    }

    assert set(ingresses) == {"public", "staff"}
    assert _routes(ingresses["staff"]) <= {"routing", "sla"}
    public = ingresses["public"]
    assert "defaultBackend" not in public["spec"]
    for rule in public["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            assert path["backend"]["service"]["name"] == "intake"
            assert path["pathType"] == "Prefix"
            assert path["path"].startswith(PUBLIC_PATH_PREFIX), path["path"]


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_no_service_is_exposed_around_the_ingresses(overlay: str) -> None:
    for service in k8s.of_kind(k8s.render(overlay), "Service"):
        assert service["spec"].get("type", "ClusterIP") == "ClusterIP", service["metadata"]
        assert "externalIPs" not in service["spec"], service["metadata"]


def _routes(ingress: k8s.Object) -> set[str]:
    assert "defaultBackend" not in ingress["spec"]
    return {
        path["backend"]["service"]["name"]
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }


def test_dev_lets_notify_reach_the_gateways_its_secret_names(tmp_path: Path) -> None:
    objects = k8s.render("dev")
    (notify,) = [pod for pod in k8s.pods(objects) if pod.name == "notify"]
    settings = k8s_settings.build(objects, notify, tmp_path)
    assert isinstance(settings, NotifySettings)
    sms = urlsplit(settings.sms_gateway.url)
    gateway_ports = {settings.smtp.port, sms.port or {"http": 80, "https": 443}[sms.scheme]}

    assert gateway_ports <= k8s_network.ports_open(objects, notify.labels, "Egress")


def test_dev_lets_nigrani_reach_the_stores_it_runs_in_its_own_namespace() -> None:
    """dev names Kafka, MongoDB and Mailpit in its own namespace, where the base's
    default-deny selects every pod: those pods (not Nigrani's) must accept connections from
    the namespace's pods, or nothing of Nigrani can start."""
    objects = k8s.render("dev")
    (namespace,) = (n["metadata"]["name"] for n in k8s.of_kind(objects, "Namespace"))
    (notify,) = [pod for pod in k8s.pods(objects) if pod.name == "notify"]
    env = k8s.environment(objects, notify, k8s_settings.example_secrets())
    for name in ("KAFKA_BOOTSTRAP_SERVERS", "MONGODB_URI", "NOTIFY_SMTP"):
        assert f".{namespace}.svc" in env[name], name
    store = {"app.kubernetes.io/name": "kafka"}

    assert "pod any: any port" in k8s_network.allowed(objects, store, "Ingress")
    assert "pod any: any port" in k8s_network.allowed(objects, store, "Egress")
