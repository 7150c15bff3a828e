"""The overlap lock of a workflow, in the database so every worker on every machine sees the same one."""

from __future__ import annotations

import datetime
import logging

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from workflows.models import WorkflowLock, WorkflowRun

logger = logging.getLogger(__name__)


def acquire(workflow: str, run: WorkflowRun, seconds: int) -> WorkflowRun | None:
    """Take the lock for `run`; returns None on success, or the other run that holds it."""
    now = timezone.now()
    expires = now + datetime.timedelta(seconds=seconds)
    try:
        with transaction.atomic():
            WorkflowLock.objects.create(workflow=workflow, run=run, expires_at=expires)
        return None
    except IntegrityError:
        pass
    held = WorkflowLock.objects.filter(workflow=workflow).select_related("run").first()
    stale = held.run if held is not None and held.run_id != run.pk and held.expires_at < now else None
    taken = WorkflowLock.objects.filter(workflow=workflow).filter(Q(expires_at__lt=now) | Q(run=run)).update(
        run=run, expires_at=expires
    )
    if taken:
        if stale is not None and stale.status == WorkflowRun.Status.RUNNING:
            # Its lock ran out while it still said running: its worker stopped without finishing.
            WorkflowRun.objects.filter(pk=stale.pk, status=WorkflowRun.Status.RUNNING).update(
                status=WorkflowRun.Status.FAILED, finished_at=now,
                error="lost: its worker stopped before finishing (the run's lock expired)",
            )
            logger.warning("run #%s of %s was lost with its worker; its lock has expired", stale.pk, workflow)
        return None
    holder = WorkflowLock.objects.filter(workflow=workflow).select_related("run").first()
    return holder.run if holder is not None else None


def release(workflow: str, run: WorkflowRun) -> None:
    WorkflowLock.objects.filter(workflow=workflow, run=run).delete()
