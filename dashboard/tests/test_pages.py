from __future__ import annotations

import pytest
from django.urls import reverse

from workflows.models import WorkflowRun

pytestmark = pytest.mark.django_db


def test_the_login_page_is_served(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()


def test_the_dashboard_asks_for_a_login(client):
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_logging_in_shows_recent_runs(client, role_users):
    WorkflowRun.objects.create(workflow="ping", trigger=WorkflowRun.Trigger.MANUAL, status=WorkflowRun.Status.FAILED, error="boom")
    response = client.post(reverse("login"), {"username": "guest", "password": "guest-pass-123"}, follow=True)
    page = response.content.decode()
    assert "Recent workflow runs" in page and "boom" in page
    assert "Run a workflow" not in page  # guest is read-only


def test_the_static_stylesheet_is_served(client):
    # WhiteNoise serves it straight from static/ in the embedded default.
    from django.test import Client

    assert Client().get("/static/css/app.css").status_code == 200


def test_healthz_answers_without_login(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_the_runs_api_needs_a_login_and_lists_runs(client, role_users):
    WorkflowRun.objects.create(workflow="ping", trigger=WorkflowRun.Trigger.SCHEDULED, schedule_entry="ping daily")
    assert client.get("/api/runs/").status_code == 403
    client.force_login(role_users["guest"])
    body = client.get("/api/runs/").json()
    assert body["count"] == 1
    assert (body["results"][0]["workflow"], body["results"][0]["schedule_entry"]) == ("ping", "ping daily")


def test_the_dashboard_shows_the_active_model_beside_its_baselines_and_flags_synthetic_training(client, role_users):
    from modelling.tests.factories import ModelVersionFactory

    version = ModelVersionFactory(version="v-demo", metrics={
        "synthetic_data": True,
        "held_out": {"model": {"rank_ic": 0.0123, "direction_accuracy": 0.51},
                     "yesterday_move": {"rank_ic": 0.02}, "no_change": {"direction_accuracy": 0.52}},
    })
    version.activate()
    client.force_login(role_users["guest"])
    page = client.get("/").content.decode()
    assert "v-demo" in page and "SYNTHETIC DATA" in page and "0.0123" in page and "0.02" in page
