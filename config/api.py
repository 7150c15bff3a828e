"""The one DRF router: each app registers its ViewSets in its own api/ module."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

from workflows.api import WorkflowRunViewSet

router = DefaultRouter()
router.register("runs", WorkflowRunViewSet, basename="run")
