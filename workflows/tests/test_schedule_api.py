from __future__ import annotations

from unittest import mock

import pytest
from django_celery_beat.models import PeriodicTask

from workflows import registry
from workflows.models import WorkflowRun
from workflows.timeline import seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def schedule():
    seed()
    return PeriodicTask.objects.get(name="buy")


def test_everyone_may_read_the_schedule(client, role_users, schedule):
    client.force_login(role_users["guest"])
    rows = client.get("/api/schedule/").json()["results"]
    buy = next(r for r in rows if r["name"] == "buy")
    assert (buy["workflow"], buy["hour"], buy["minute"], buy["timezone"]) == ("buy", "13", "30", "Asia/Shanghai")


def test_an_admin_moves_and_disables_an_entry(client, role_users, schedule):
    client.force_login(role_users["admin"])
    response = client.patch(f"/api/schedule/{schedule.pk}/", {"minute": "45", "enabled": False},
                            content_type="application/json")
    assert response.status_code == 200, response.content
    schedule.refresh_from_db()
    assert (schedule.crontab.minute, schedule.crontab.hour, schedule.enabled) == ("45", "13", False)


def test_a_bad_time_is_named_and_nothing_changes(client, role_users, schedule):
    client.force_login(role_users["admin"])
    response = client.patch(f"/api/schedule/{schedule.pk}/", {"hour": "25"}, content_type="application/json")
    assert response.status_code == 400 and "hour" in response.json()
    schedule.refresh_from_db()
    assert schedule.crontab.hour == "13"


def test_the_test_user_may_run_an_entry_now_but_not_edit_it(client, role_users, schedule):
    client.force_login(role_users["test"])
    assert client.patch(f"/api/schedule/{schedule.pk}/", {"enabled": False},
                        content_type="application/json").status_code == 403
    with mock.patch.object(registry.get("buy").task, "apply_async"):
        response = client.post(f"/api/schedule/{schedule.pk}/run/")
    assert response.status_code == 202
    run = WorkflowRun.objects.get(pk=response.json()["run_id"])
    assert run.trigger == WorkflowRun.Trigger.MANUAL and run.triggered_by == role_users["test"]
