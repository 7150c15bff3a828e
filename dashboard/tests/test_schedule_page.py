"""The schedule page: everyone sees the timeline and the next runs; admins move and switch entries; operators run them."""

from __future__ import annotations

from unittest import mock

import pytest
from django_celery_beat.models import PeriodicTask

from workflows import registry
from workflows.models import WorkflowRun
from workflows.timeline import seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def buy(settings):
    settings.CLOCK_NOW = "2026-11-19T13:00:00+08:00"  # a Thursday
    seed()
    return PeriodicTask.objects.get(name="buy")


def test_a_guest_sees_each_entry_with_its_next_run_and_no_controls(client, role_users, buy):
    client.force_login(role_users["guest"])
    page = client.get("/schedule/").content.decode()
    assert "buy" in page and "Thu 11-19 13:30" in page  # today's buy is still ahead
    assert "Sat 11-21 02:00" in page  # the weekly training
    assert "Save</button>" not in page and "Run now</button>" not in page
    assert client.post(f"/schedule/{buy.pk}/", {"minute": "45"}).status_code == 403


def test_an_admin_moves_an_entry_and_switches_it_off(client, role_users, buy):
    client.force_login(role_users["admin"])
    response = client.post(f"/schedule/{buy.pk}/", {"minute": "45", "hour": "13", "day_of_week": "1-5",
                                                     "day_of_month": "*", "enabled": "on"}, follow=True)
    assert "buy: saved" in response.content.decode()
    buy.refresh_from_db()
    assert (buy.crontab.minute, buy.enabled) == ("45", True)
    assert "Thu 11-19 13:45" in client.get("/schedule/").content.decode()
    client.post(f"/schedule/{buy.pk}/", {"minute": "45", "hour": "13", "day_of_week": "1-5", "day_of_month": "*"})
    buy.refresh_from_db()
    assert not buy.enabled  # an unticked box


def test_a_bad_time_is_named_and_nothing_changes(client, role_users, buy):
    client.force_login(role_users["admin"])
    response = client.post(f"/schedule/{buy.pk}/", {"minute": "30", "hour": "25", "day_of_week": "1-5",
                                                     "day_of_month": "*", "enabled": "on"}, follow=True)
    page = response.content.decode()
    assert "buy: not saved." in page and "hour:" in page
    buy.refresh_from_db()
    assert (buy.crontab.hour, buy.enabled) == ("13", True)


def test_an_operator_runs_an_entry_now(client, role_users, buy):
    client.force_login(role_users["test"])
    assert "Run now</button>" in client.get("/schedule/").content.decode()
    with mock.patch.object(registry.get("buy").task, "apply_async"):
        response = client.post(f"/schedule/{buy.pk}/run/", follow=True)
    run = WorkflowRun.objects.get(workflow="buy")
    assert f"buy: run #{run.pk} of buy queued." in response.content.decode()
    assert run.trigger == WorkflowRun.Trigger.MANUAL and run.triggered_by == role_users["test"]
    client.force_login(role_users["guest"])
    assert client.post(f"/schedule/{buy.pk}/run/").status_code == 403
