"""API over the model registry: list versions with their held-out report; promote or roll back."""

from __future__ import annotations

from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from modelling.models import ModelVersion


class ModelVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModelVersion
        fields = [
            "id", "version", "feature_set", "config", "data_start", "data_end", "metrics", "loss_curve",
            "status", "is_active", "training_seconds", "parent", "created_at",
        ]


class CanChangeModelVersion(permissions.BasePermission):
    def has_permission(self, request: Request, view: object) -> bool:
        return request.user.has_perm("modelling.change_modelversion")


class ModelVersionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = ModelVersion.objects.all()
    serializer_class = ModelVersionSerializer

    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated, CanChangeModelVersion])
    def activate(self, request: Request, pk: str | None = None) -> Response:
        """Make this version the active one (promotion, or rollback to an older version)."""
        version = self.get_object()
        if version.status != ModelVersion.Status.READY:
            return Response({"detail": f"{version.version} is {version.status}, not ready"},
                            status=status.HTTP_409_CONFLICT)
        version.activate()
        return Response(self.get_serializer(version).data)
