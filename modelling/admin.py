from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest

from modelling.models import ModelVersion, Prediction


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ("version", "feature_set", "status", "is_active", "data_start", "data_end", "created_at")
    list_filter = ("status", "is_active", "feature_set")
    readonly_fields = ("is_active", "data_hash", "metrics", "loss_curve", "training_seconds", "created_at")
    actions = ["make_active"]

    @admin.action(description="Make the selected version active (promote or roll back)", permissions=["change"])
    def make_active(self, request: HttpRequest, queryset) -> None:  # type: ignore[no-untyped-def]
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version to make active.", messages.ERROR)
            return
        version = queryset.get()
        if version.status != ModelVersion.Status.READY:
            self.message_user(request, f"{version.version} is {version.status}, not ready.", messages.ERROR)
            return
        version.activate()
        self.message_user(request, f"{version.version} is now the active model.", messages.SUCCESS)


@admin.register(Prediction)
class PredictionAdmin(admin.ModelAdmin):
    list_display = ("stock", "trading_date", "target_date", "expected_return", "score", "model_version")
    list_filter = ("trading_date", "model_version")
    search_fields = ("stock__code",)
    raw_id_fields = ("stock",)
    list_select_related = ("stock", "model_version")
    show_full_result_count = False
