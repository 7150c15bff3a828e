"""One run of a workflow at a time; a lock left by a dead worker expires; a redelivered message resumes its run."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from workflows import locks, registry
from workflows.models import WorkflowLock, WorkflowRun
from workflows.runner import execute

pytestmark = pytest.mark.django_db


def running(name: str = "ping", task_id: str = "") -> WorkflowRun:
    return WorkflowRun.objects.create(workflow=name, trigger=WorkflowRun.Trigger.SCHEDULED,
                                      status=WorkflowRun.Status.RUNNING, started_at=timezone.now(), task_id=task_id)


def test_a_second_run_while_one_is_running_is_skipped_and_says_why():
    holder = running()
    assert locks.acquire("ping", holder, 600) is None
    execute(registry.get("ping"), run_id=None, inputs={})
    second = WorkflowRun.objects.exclude(pk=holder.pk).get()
    assert second.status == WorkflowRun.Status.SKIPPED
    assert second.outputs["skipped"].startswith(f"run #{holder.pk} of ping is still running")


def test_a_lock_left_by_a_dead_worker_expires_and_its_run_is_marked_lost():
    dead = running()
    locks.acquire("ping", dead, 600)
    WorkflowLock.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    execute(registry.get("ping"), run_id=None, inputs={})
    dead.refresh_from_db()
    assert dead.status == WorkflowRun.Status.FAILED and dead.error.startswith("lost: its worker stopped")
    assert WorkflowRun.objects.exclude(pk=dead.pk).get().status == WorkflowRun.Status.SUCCEEDED
    assert not WorkflowLock.objects.exists()  # released when the run finished


def test_a_redelivered_message_resumes_its_own_run_once():
    lost = running(task_id="task-123")
    locks.acquire("ping", lost, 600)  # held by the run whose worker died
    execute(registry.get("ping"), run_id=None, inputs={}, request=SimpleNamespace(id="task-123", hostname="w2"))
    lost.refresh_from_db()
    assert WorkflowRun.objects.count() == 1
    assert lost.status == WorkflowRun.Status.SUCCEEDED and lost.worker == "w2"
    assert lost.log_lines.filter(message__contains="redelivered after its worker stopped").exists()


def test_the_chunks_of_a_fanned_out_workflow_run_side_by_side():
    chunk = registry.get("data_init_chunk")
    assert not chunk.exclusive and registry.get("data_init").exclusive
