from __future__ import annotations

from django.contrib import admin

from market.models import DailyBar, RejectedBar, Stock


@admin.register(Stock)
class StockAdmin(admin.ModelAdmin):
    list_display = (
        "code", "name", "exchange", "board", "source", "is_synthetic", "listing_state", "is_st", "is_suspended",
        "is_tradable", "history_synced_through",
    )
    list_filter = ("exchange", "board", "listing_state", "is_st", "is_suspended", "is_tradable", "is_synthetic", "source")
    search_fields = ("code", "name")
    show_full_result_count = False


@admin.register(DailyBar)
class DailyBarAdmin(admin.ModelAdmin):
    list_display = ("stock", "date", "open", "midday", "high", "low", "close", "volume")
    list_filter = ("stock__exchange",)
    search_fields = ("stock__code",)
    date_hierarchy = "date"
    raw_id_fields = ("stock",)
    list_select_related = ("stock",)
    show_full_result_count = False


@admin.register(RejectedBar)
class RejectedBarAdmin(admin.ModelAdmin):
    """Every row refused at ingest, with its reason: nothing bad is loaded, nothing is silently dropped."""

    list_display = ("code", "date", "row", "reason", "source", "run", "created_at")
    list_filter = ("source",)
    search_fields = ("code", "reason")
    raw_id_fields = ("run",)
    list_select_related = ("run",)
    show_full_result_count = False
    readonly_fields = ("run", "source", "code", "date", "row", "reason", "values", "created_at")

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
