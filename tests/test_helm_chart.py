"""The Helm chart renders, lints clean and validates against the Kubernetes schemas (no cluster needed)."""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from helm_python import lint
from helm_python.chart import Chart

CHART = Path(__file__).resolve().parent.parent / "helm" / "stocktrading"
VALUES = {
    "secrets": {"secretKey": "k" * 50, "credentialsKey": "c" * 44},
    "externalDatabaseUrl": "mysql://trader:pw@mysql:3306/trading",
    "externalRedisUrl": "redis://redis:6379/0",
    "ingress": {"enabled": True, "host": "trading.example.com", "tlsSecretName": "trading-tls"},
}
KUBERNETES = "1.33.0"


def render(values: dict) -> list[dict]:
    manifests = Chart.load(str(CHART)).render(values, name="prod", namespace="trading", is_install=True)
    return [doc for text in manifests.values() for doc in yaml.safe_load_all(text) if doc]


def by_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def test_the_chart_lints_without_errors_or_warnings():
    report = lint(str(CHART), VALUES, strict=True)
    assert report["errors"] == [] and [m for m in report["messages"] if m["severity"] >= 2] == []


def test_every_rendered_manifest_is_valid_kubernetes():
    docs = render(VALUES)
    assert {d["kind"] for d in docs} == {"ConfigMap", "Secret", "PersistentVolumeClaim", "Job", "Deployment",
                                         "Service", "Ingress"}
    for doc in docs:
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)


def test_one_beat_a_gpu_training_worker_probes_and_a_migration_hook():
    docs = render(VALUES)
    deployments = by_kind(docs, "Deployment")
    assert deployments["prod-stocktrading-beat"]["spec"]["replicas"] == 1
    training = deployments["prod-stocktrading-training"]["spec"]["template"]["spec"]
    assert training["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert training["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    web = deployments["prod-stocktrading-web"]["spec"]["template"]["spec"]["containers"][0]
    assert web["readinessProbe"]["httpGet"]["path"] == "/healthz"
    job = next(iter(by_kind(docs, "Job").values()))
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert "seed_schedule" in job["spec"]["template"]["spec"]["containers"][0]["command"][-1]


def test_without_a_gpu_the_training_queue_moves_to_the_worker():
    docs = render({**VALUES, "training": {"enabled": False}})
    deployments = by_kind(docs, "Deployment")
    assert "prod-stocktrading-training" not in deployments
    command = deployments["prod-stocktrading-worker"]["spec"]["template"]["spec"]["containers"][0]["command"]
    assert "default,market,trading,training" in command


def test_a_missing_secret_is_named():
    with pytest.raises(Exception, match="secrets.secretKey is required"):
        render({**VALUES, "secrets": {"secretKey": "", "credentialsKey": "x"}})
