"""Asking for a run by hand: the row is created now and the task is sent once the row is committed."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction

from workflows import registry
from workflows.models import WorkflowRun


def run_now(
    name: str,
    inputs: dict[str, Any] | None = None,
    user: AbstractBaseUser | AnonymousUser | None = None,
    *,
    parent: WorkflowRun | None = None,
) -> WorkflowRun:
    """Queue a run of the named workflow (by hand, or fanned out by `parent`); KeyError if unknown."""
    workflow = registry.get(name)
    if user is not None and not user.has_perm("workflows.run_workflow"):
        raise PermissionDenied("you may not run workflows")
    inputs = dict(inputs or {})
    if "run_id" in inputs:
        raise ValueError("run_id is not an input")
    workflow.check_inputs(inputs)
    run = WorkflowRun.objects.create(
        workflow=workflow.name,
        trigger=WorkflowRun.Trigger.MANUAL,
        triggered_by=user if user is not None and user.is_authenticated else None,
        inputs=inputs,
        parent=parent,
    )
    transaction.on_commit(
        lambda: workflow.task.apply_async(kwargs={"run_id": run.pk, **inputs}, queue=workflow.queue)
    )
    return run
