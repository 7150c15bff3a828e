"""The one DRF router: each app registers its ViewSets in its own api/ module."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

from modelling.api import ModelVersionViewSet
from workflows.api import WorkflowRunViewSet
from workflows.schedule_api import ScheduleViewSet

router = DefaultRouter()
router.register("runs", WorkflowRunViewSet, basename="run")
router.register("model-versions", ModelVersionViewSet, basename="model-version")
router.register("schedule", ScheduleViewSet, basename="schedule")
