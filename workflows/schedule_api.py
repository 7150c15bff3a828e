"""API over beat's schedule: list the entries, switch one on or off or move it, run one now."""

from __future__ import annotations

import json

from django_celery_beat.models import CrontabSchedule, PeriodicTask
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from workflows import registry
from workflows.dispatch import run_now


class ScheduleSerializer(serializers.ModelSerializer):
    workflow = serializers.SerializerMethodField()
    minute = serializers.CharField(source="crontab.minute", required=False)
    hour = serializers.CharField(source="crontab.hour", required=False)
    day_of_week = serializers.CharField(source="crontab.day_of_week", required=False)
    day_of_month = serializers.CharField(source="crontab.day_of_month", required=False)
    timezone = serializers.CharField(source="crontab.timezone", read_only=True)

    class Meta:
        model = PeriodicTask
        fields = ["id", "name", "workflow", "enabled", "minute", "hour", "day_of_week", "day_of_month", "timezone",
                  "expire_seconds", "queue", "last_run_at", "total_run_count"]
        read_only_fields = ["name", "queue", "last_run_at", "total_run_count"]

    def get_workflow(self, task: PeriodicTask) -> str:
        return task.task.removeprefix("workflow.")

    def update(self, task: PeriodicTask, data: dict) -> PeriodicTask:
        timing = data.pop("crontab", None)
        if timing:
            current = task.crontab
            if current is None:
                raise serializers.ValidationError({"crontab": "this entry has no crontab schedule to change"})
            fields = {f: timing.get(f, getattr(current, f)) for f in ("minute", "hour", "day_of_week", "day_of_month")}
            candidate = CrontabSchedule(month_of_year=current.month_of_year, timezone=current.timezone, **fields)
            try:
                candidate.full_clean(exclude=["timezone"])
            except Exception as exc:  # noqa: BLE001 - the validator's message names the bad field
                raise serializers.ValidationError(getattr(exc, "message_dict", {"crontab": str(exc)})) from None
            task.crontab, _ = CrontabSchedule.objects.get_or_create(
                month_of_year=current.month_of_year, timezone=current.timezone, **fields)
        return super().update(task, data)


class CanChangeSchedule(permissions.BasePermission):
    def has_permission(self, request: Request, view: object) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if getattr(view, "action", None) == "run":
            return request.user.has_perm("workflows.run_workflow")
        return request.user.has_perm("django_celery_beat.change_periodictask")


class ScheduleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin,
                      viewsets.GenericViewSet):
    queryset = PeriodicTask.objects.filter(task__startswith="workflow.").select_related("crontab").order_by("name")
    serializer_class = ScheduleSerializer
    permission_classes = [permissions.IsAuthenticated, CanChangeSchedule]

    @action(detail=True, methods=["post"])
    def run(self, request: Request, pk: str | None = None) -> Response:
        """Run this entry's workflow now, with its inputs, as a manual run."""
        task = self.get_object()
        name = task.task.removeprefix("workflow.")
        try:
            registry.get(name)
        except KeyError as exc:
            return Response({"detail": exc.args[0]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            run = run_now(name, json.loads(task.kwargs or "{}"), request.user)
        except ValueError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"run_id": run.pk, "workflow": run.workflow, "status": run.status},
                        status=status.HTTP_202_ACCEPTED)
