"""The schedule page: beat's timeline with each entry's next run; move an entry, switch it off or on, run it now.

Changes go through the schedule API's serializer, so the page and `/api/schedule/` accept and refuse the same.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_celery_beat.models import PeriodicTask
from rest_framework.exceptions import ValidationError

from market import clock
from workflows.dispatch import run_now
from workflows.schedule_api import ScheduleSerializer, ScheduleViewSet
from workflows.timeline import next_run

TIMING = ("minute", "hour", "day_of_week", "day_of_month")


@login_required
def schedule(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    entries = [(task, next_run(task, now) if task.enabled else None) for task in ScheduleViewSet.queryset.all()]
    return render(request, "dashboard/schedule.html", {
        "entries": entries, "now": now, "timing": TIMING,
        "can_change": request.user.has_perm("django_celery_beat.change_periodictask"),
        "can_run": request.user.has_perm("workflows.run_workflow"),
    })


@login_required
@require_POST
def change(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("django_celery_beat.change_periodictask"):
        raise PermissionDenied("you may not change the schedule")
    task = get_object_or_404(ScheduleViewSet.queryset, pk=pk)
    data = {field: request.POST[field].strip() for field in TIMING if field in request.POST}
    data["enabled"] = request.POST.get("enabled") == "on"
    serializer = ScheduleSerializer(task, data=data, partial=True)
    errors = serializer.errors if not serializer.is_valid() else None
    if errors is None:
        try:
            serializer.save()  # the crontab itself is checked here, as the API checks it
        except ValidationError as exc:
            errors = exc.detail
    if errors:
        problems = "; ".join(f"{field}: {' '.join(map(str, why if isinstance(why, list) else [why]))}"
                             for field, why in errors.items())
        messages.error(request, f"{task.name}: not saved. {problems}")
    else:
        messages.success(request, f"{task.name}: saved; beat picks it up without a restart.")
    return redirect("dashboard:schedule")


@login_required
@require_POST
def run(request: HttpRequest, pk: int) -> HttpResponse:
    task: PeriodicTask = get_object_or_404(ScheduleViewSet.queryset, pk=pk)
    try:
        started = run_now(task.task.removeprefix("workflow."), json.loads(task.kwargs or "{}"), request.user)
    except (KeyError, ValueError) as exc:  # a workflow no longer registered, or inputs it does not take
        messages.error(request, f"{task.name}: not run. {exc.args[0] if exc.args else exc}")
    else:
        messages.success(request, f"{task.name}: run #{started.pk} of {started.workflow} queued.")
    return redirect("dashboard:schedule")
