from __future__ import annotations

from django.contrib import admin

from market.models import DailyBar, Stock


@admin.register(Stock)
class StockAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "exchange", "board", "listing_state", "is_st", "is_suspended", "is_tradable")
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
