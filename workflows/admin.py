from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django_celery_beat.admin import PeriodicTaskAdmin as BeatPeriodicTaskAdmin
from django_celery_beat.models import PeriodicTask

from workflows import registry
from workflows.dispatch import run_now
from workflows.forms import RunWorkflowForm
from workflows.models import WorkflowRun, WorkflowRunLog


class WorkflowRunLogInline(admin.TabularInline):
    model = WorkflowRunLog
    fields = ("created_at", "level", "logger", "message")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WorkflowRun)
class WorkflowRunAdmin(admin.ModelAdmin):
    list_display = ("id", "workflow", "trigger", "schedule_entry", "status", "scheduled_for", "started_at", "duration",
                    "worker")
    list_filter = ("workflow", "status", "trigger")
    search_fields = ("workflow", "schedule_entry", "error", "task_id")
    date_hierarchy = "created_at"
    show_full_result_count = False
    list_select_related = ("triggered_by",)
    readonly_fields = [f.name for f in WorkflowRun._meta.fields] + ["pretty_inputs", "pretty_outputs"]
    fields = (
        ("workflow", "trigger", "schedule_entry", "triggered_by"),
        ("status", "worker", "task_id"),
        ("scheduled_for", "created_at", "started_at", "finished_at"),
        "pretty_inputs",
        "pretty_outputs",
        "error",
    )
    inlines = [WorkflowRunLogInline]
    change_list_template = "admin/workflows/workflowrun/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # runs are created by running a workflow

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="duration")
    def duration(self, run: WorkflowRun) -> str:
        seconds = run.duration_seconds
        return "" if seconds is None else f"{seconds:.1f} s"

    @admin.display(description="inputs")
    def pretty_inputs(self, run: WorkflowRun) -> str:
        return json.dumps(run.inputs, indent=2, ensure_ascii=False)

    @admin.display(description="outputs")
    def pretty_outputs(self, run: WorkflowRun) -> str:
        return json.dumps(run.outputs, indent=2, ensure_ascii=False)

    def get_urls(self) -> list[Any]:
        return [
            path("run/", self.admin_site.admin_view(self.run_view), name="workflows_workflowrun_run"),
            *super().get_urls(),
        ]

    def run_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("workflows.run_workflow"):
            raise PermissionDenied
        form = RunWorkflowForm(request.POST or None, initial={"workflow": request.GET.get("workflow")})
        if request.method == "POST" and form.is_valid():
            try:
                run = run_now(form.cleaned_data["workflow"], form.cleaned_data["inputs"], request.user)
            except ValueError as exc:
                form.add_error("inputs", str(exc))
            else:
                self.message_user(request, f"{run.workflow} queued as run #{run.pk}.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:workflows_workflowrun_change", args=[run.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Run a workflow",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/workflows/workflowrun/run.html", context)


admin.site.unregister(PeriodicTask)


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(BeatPeriodicTaskAdmin):
    """Beat's schedule admin, whose "run selected tasks" records workflow runs as manual runs."""

    def has_run_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("workflows.run_workflow")

    @admin.action(description="Run selected tasks now", permissions=["run"])
    def run_tasks(self, request: HttpRequest, queryset: Any) -> None:
        by_task = {wf.task_name: wf for wf in registry.all_workflows()}
        for task in queryset:
            workflow = by_task.get(task.task)
            if workflow is None:
                self.message_user(request, f"{task.name}: {task.task} is not a workflow", messages.ERROR)
                continue
            try:
                run = run_now(workflow.name, json.loads(task.kwargs or "{}"), request.user)
            except ValueError as exc:
                self.message_user(request, f"{task.name}: {exc}", messages.ERROR)
                continue
            self.message_user(request, f"{task.name}: queued as run #{run.pk}", messages.SUCCESS)
