"""Runs one workflow and records it in the ledger.

A scheduled run (from beat) arrives without a run id and gets a new row; a manual run arrives with
the id of the row created when it was asked for, and is claimed atomically so a duplicated
delivery of the same message runs it once.
"""

from __future__ import annotations

import datetime
import logging
import socket
import threading
import traceback
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.utils import timezone

from workflows import locks
from workflows.models import WorkflowRun, WorkflowRunLog

if TYPE_CHECKING:
    from workflows.registry import Workflow

logger = logging.getLogger(__name__)

# Message headers of a scheduled run: the beat entry that sent it, and the instant it was sent for.
ENTRY_HEADER = "periodic_task_name"  # django-celery-beat sets it
SCHEDULED_FOR_HEADER = "scheduled_for"  # workflows.beat sets it


class SkipRun(Exception):
    """Raised by a workflow that has nothing to do (a holiday, a missing hook): the run says why."""


class RunLogHandler(logging.Handler):
    """Collects the log records of the running thread into the run's log lines.

    Lines are buffered and written whenever the thread is outside a transaction, so a workflow that
    rolls back does not take its own log lines with it, and the dashboard can tail a long run.
    """

    def __init__(self, run: WorkflowRun, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.run = run
        self.thread = threading.get_ident()
        self.pending: list[WorkflowRunLog] = []
        self.addFilter(lambda record: record.thread == self.thread)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if record.exc_info:
                message += "\n" + "".join(traceback.format_exception(*record.exc_info)).rstrip()
            self.pending.append(
                WorkflowRunLog(
                    run=self.run,
                    created_at=timezone.now(),
                    level=record.levelname,
                    logger=record.name[:128],
                    message=message,
                )
            )
            if not connection.in_atomic_block:
                self.flush()
        except Exception:  # noqa: BLE001 - logging must never break the workflow
            self.handleError(record)

    def flush(self) -> None:
        if self.pending:
            lines, self.pending = self.pending, []
            WorkflowRunLog.objects.bulk_create(lines)


def _json_safe(value: Any) -> Any:
    """Round-trip through Django's encoder so dates and Decimals in outputs are stored as text."""
    import json

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _start(workflow: Workflow, run_id: int | None, inputs: dict[str, Any], request: Any) -> WorkflowRun | None:
    now = timezone.now()
    task_id = getattr(request, "id", None) or ""
    worker = getattr(request, "hostname", None) or socket.gethostname()
    if task_id:
        # The same message again while its run still says running: the worker died mid-run and the broker
        # redelivered it (acks_late). The run goes on under the same row rather than as a second one.
        lost = WorkflowRun.objects.filter(task_id=task_id, workflow=workflow.name,
                                          status=WorkflowRun.Status.RUNNING).first()
        if lost is not None:
            WorkflowRun.objects.filter(pk=lost.pk).update(worker=worker)
            lost.refresh_from_db()
            lost.redelivered = True  # type: ignore[attr-defined]  # said in its log once the log is attached
            return lost
    if run_id is None:
        return WorkflowRun.objects.create(
            workflow=workflow.name,
            trigger=WorkflowRun.Trigger.SCHEDULED,
            status=WorkflowRun.Status.RUNNING,
            inputs=_json_safe(inputs),
            started_at=now,
            task_id=task_id,
            worker=worker,
            schedule_entry=(getattr(request, ENTRY_HEADER, None) or "")[:200],
            scheduled_for=_instant(getattr(request, SCHEDULED_FOR_HEADER, None)),
        )
    claimed = WorkflowRun.objects.filter(pk=run_id, status=WorkflowRun.Status.QUEUED).update(
        status=WorkflowRun.Status.RUNNING, started_at=now, task_id=task_id, worker=worker
    )
    if not claimed:
        logger.warning("workflow run %s is gone or already started; not running it again", run_id)
        return None
    return WorkflowRun.objects.get(pk=run_id)


def _instant(value: Any) -> datetime.datetime | None:
    """The scheduled-for header beat adds (workflows.beat), or None for a message without one."""
    try:
        return datetime.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _lock_seconds(workflow: Workflow) -> int:
    """A run can last no longer than its hard time limit: the lock outlives it by a minute, no more."""
    return (workflow.time_limit or settings.CELERY_TASK_TIME_LIMIT) + 60


def execute(workflow: Workflow, *, run_id: int | None, inputs: dict[str, Any], request: Any = None) -> dict[str, Any] | None:
    run = _start(workflow, run_id, inputs, request)
    if run is None:
        return None
    handler = RunLogHandler(run)
    root = logging.getLogger()
    root.addHandler(handler)
    # A worker started with --loglevel WARNING would drop INFO records before any handler sees them:
    # the run's log lines are the product's log, so they are kept whatever the console's level.
    root_level = root.level
    if root.getEffectiveLevel() > logging.INFO:
        root.setLevel(logging.INFO)
    run_logger = logging.getLogger(f"workflows.{workflow.name}")
    locked = False
    try:
        if getattr(run, "redelivered", False):
            run_logger.warning("run #%s was redelivered after its worker stopped; running it again", run.pk)
        run_logger.info("%s started (%s) on %s", workflow.name, run.trigger, run.worker)
        if workflow.exclusive:
            holder = locks.acquire(workflow.name, run, _lock_seconds(workflow))
            if holder is not None:
                raise SkipRun(f"run #{holder.pk} of {workflow.name} is still running (since {holder.started_at:%H:%M:%S})")
            locked = True
        outputs = workflow.function(run, **inputs)  # the message's inputs: run.inputs may gain notes
        run.outputs = _json_safe(outputs or {})
        run.status = WorkflowRun.Status.SUCCEEDED
        run_logger.info("%s succeeded", workflow.name)
    except SkipRun as skip:
        run.status = WorkflowRun.Status.SKIPPED
        run.outputs = {"skipped": str(skip)}
        run_logger.info("%s skipped: %s", workflow.name, skip)
    except Exception as exc:
        run.status = WorkflowRun.Status.FAILED
        run.error = f"{type(exc).__name__}: {exc}"
        run_logger.exception("%s failed", workflow.name)
    finally:
        if locked:
            locks.release(workflow.name, run)
        root.removeHandler(handler)
        root.setLevel(root_level)
        handler.flush()
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "outputs", "error", "finished_at"])
    return {"run_id": run.pk, "status": run.status}
