from __future__ import annotations

from django.contrib import admin

from trading.models import AccountSnapshot, Fill, Order, Position, Strategy


class FillInline(admin.TabularInline):
    model = Fill
    extra = 0
    can_delete = False
    readonly_fields = ("broker_fill_id", "quantity", "price", "commission", "stamp_duty", "transfer_fee", "filled_at")


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("client_order_id", "account", "stock", "trading_date", "side", "quantity", "limit_price", "status")
    list_filter = ("status", "side", "account", "trading_date")
    search_fields = ("client_order_id", "broker_order_id", "stock__code")
    raw_id_fields = ("stock", "workflow_run")
    list_select_related = ("account", "stock")
    show_full_result_count = False
    inlines = [FillInline]


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    list_display = ("account", "stock", "quantity", "sellable_quantity", "average_cost", "as_of")
    list_filter = ("account",)
    raw_id_fields = ("stock",)
    list_select_related = ("account", "stock")


@admin.register(AccountSnapshot)
class AccountSnapshotAdmin(admin.ModelAdmin):
    list_display = ("account", "date", "cash", "market_value", "equity")
    list_filter = ("account",)
    date_hierarchy = "date"


@admin.register(Strategy)
class StrategyAdmin(admin.ModelAdmin):
    """The strategy's parameters; each trading run records the values it used in its inputs."""

    list_display = ("account", "top_k", "score_threshold", "max_cash_per_stock", "max_positions", "buying_halted",
                    "updated_at")
    fieldsets = (
        ("Picking", {"fields": ("account", "top_k", "score_threshold", "max_cash_per_stock", "skip_st")}),
        ("Timing", {"fields": ("sell_deadline", "buy_wait_seconds")}),
        ("Risk", {"fields": ("max_positions", "max_daily_loss_pct", "max_drawdown_pct", "buying_halted")}),
    )
