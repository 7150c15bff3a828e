"""Read-only API over the run ledger; the web-layer issue adds the rest of the API beside it."""

from __future__ import annotations

from rest_framework import serializers, viewsets

from workflows.models import WorkflowRun


class WorkflowRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkflowRun
        fields = [
            "id", "workflow", "trigger", "schedule_entry", "status", "scheduled_for", "created_at", "started_at",
            "finished_at", "inputs", "outputs", "error", "worker",
        ]


class WorkflowRunViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = WorkflowRun.objects.all()
    serializer_class = WorkflowRunSerializer
