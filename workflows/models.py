"""The run ledger: every workflow run, scheduled or by hand, with its inputs, outputs and log lines."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class WorkflowRun(models.Model):
    class Trigger(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        MANUAL = "manual", "Manual"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    FINISHED_STATUSES = (Status.SUCCEEDED, Status.FAILED, Status.SKIPPED)

    workflow = models.CharField(max_length=64, db_index=True)
    trigger = models.CharField(max_length=9, choices=Trigger.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children",
        help_text="The run that fanned this one out.",
    )
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.QUEUED)
    scheduled_for = models.DateTimeField(null=True, blank=True, help_text="The instant beat sent it for.")
    schedule_entry = models.CharField(max_length=200, blank=True, help_text="The beat schedule entry that sent it.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    inputs = models.JSONField(default=dict, blank=True)
    outputs = models.JSONField(default=dict, blank=True, help_text="Summary of what the run produced.")
    error = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True, help_text="Celery task id.")
    worker = models.CharField(max_length=255, blank=True, help_text="Host name of the worker that ran it.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["workflow", "-created_at"], name="run_workflow_recent")]
        permissions = [("run_workflow", "Can run workflows by hand")]

    def __str__(self) -> str:
        return f"{self.workflow} #{self.pk} ({self.status})"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED_STATUSES


class WorkflowRunLog(models.Model):
    """One log line of a run, kept in order so the dashboard can tail it."""

    run = models.ForeignKey(WorkflowRun, on_delete=models.CASCADE, related_name="log_lines")
    created_at = models.DateTimeField()
    level = models.CharField(max_length=8)
    logger = models.CharField(max_length=128)
    message = models.TextField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.created_at:%H:%M:%S} {self.level} {self.message[:80]}"


class WorkflowLock(models.Model):
    """At most one run of a workflow at a time. The lock expires, so a worker that died cannot hold it forever."""

    workflow = models.CharField(max_length=64, unique=True)
    run = models.ForeignKey(WorkflowRun, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.workflow} held by run #{self.run_id} until {self.expires_at:%H:%M:%S}"
