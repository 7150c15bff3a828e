"""Running a workflow by hand: from code, from the admin form, from the beat schedule admin."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from workflows import registry
from workflows.dispatch import run_now
from workflows.models import WorkflowRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent():
    with mock.patch.object(registry.get("ping").task, "apply_async") as apply_async:
        yield apply_async


def test_run_now_queues_a_manual_run_and_sends_it_after_commit(role_users, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = run_now("ping", {"message": "hi"}, role_users["test"])
        sent.assert_not_called()  # not before the row is committed
    for callback in callbacks:
        callback()
    sent.assert_called_once_with(kwargs={"run_id": run.pk, "message": "hi"}, queue="default")
    assert run.trigger == WorkflowRun.Trigger.MANUAL and run.status == WorkflowRun.Status.QUEUED
    assert run.triggered_by == role_users["test"]


def test_a_guest_may_not_run_workflows(role_users, sent):
    with pytest.raises(PermissionDenied):
        run_now("ping", {}, role_users["guest"])
    assert not WorkflowRun.objects.exists()


def test_the_admin_form_queues_a_run_and_shows_it(client, role_users, sent, django_capture_on_commit_callbacks):
    client.force_login(role_users["test"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:workflows_workflowrun_run"), {"workflow": "ping", "inputs": '{"message": "x"}'})
    run = WorkflowRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("admin:workflows_workflowrun_change", args=[run.pk])
    assert run.inputs == {"message": "x"}
    sent.assert_called_once()


@pytest.mark.parametrize(
    ("inputs", "error"),
    [("[1, 2]", "must be a JSON object"), ("{oops", "not valid JSON"), ('{"run_id": 3}', "run_id is set by the system")],
)
def test_the_admin_form_names_what_is_wrong_with_the_inputs(client, admin_user, sent, inputs, error):
    client.force_login(admin_user)
    response = client.post(reverse("admin:workflows_workflowrun_run"), {"workflow": "ping", "inputs": inputs})
    assert response.status_code == 200 and error in response.content.decode()
    assert not WorkflowRun.objects.exists()
    sent.assert_not_called()


def test_the_admin_form_is_forbidden_to_a_guest(client, role_users):
    client.force_login(role_users["guest"])
    assert client.get(reverse("admin:workflows_workflowrun_run")).status_code == 403


def test_run_selected_tasks_in_the_schedule_admin_records_manual_runs(client, admin_user, sent, django_capture_on_commit_callbacks):
    every_hour = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.HOURS)
    task = PeriodicTask.objects.create(
        name="hourly ping", task=registry.get("ping").task_name, interval=every_hour, kwargs=json.dumps({"message": "b"})
    )
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:django_celery_beat_periodictask_changelist"),
            {"action": "run_tasks", "_selected_action": [task.pk]},
        )
    run = WorkflowRun.objects.get()
    assert run.trigger == WorkflowRun.Trigger.MANUAL and run.triggered_by == admin_user and run.inputs == {"message": "b"}


def test_an_unknown_or_missing_input_is_named_before_anything_is_queued(client, admin_user, sent):
    client.force_login(admin_user)
    response = client.post(reverse("admin:workflows_workflowrun_run"), {"workflow": "ping", "inputs": '{"mesage": "x"}'})
    assert response.status_code == 200
    assert "ping: unknown input(s) mesage (it takes: message)" in response.content.decode()
    with pytest.raises(ValueError, match="import_bars: missing input.s. folder"):
        run_now("import_bars", {}, admin_user)
    assert not WorkflowRun.objects.exists()
    sent.assert_not_called()


def test_the_sync_command_names_a_bad_input():
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="sync_quotes: unknown input.s. sauce"):
        call_command("sync", "sync_quotes", "sauce=akshare")
    assert not WorkflowRun.objects.exists()
