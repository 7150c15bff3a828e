"""Orders, fills, positions and daily account snapshots. Money is Decimal, to the cent."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import models

from brokers.models import BrokerAccount
from market.models import Stock

PRICE = {"max_digits": 14, "decimal_places": 4}
MONEY = {"max_digits": 16, "decimal_places": 2}


class Side(models.TextChoices):
    BUY = "buy", "Buy"
    SELL = "sell", "Sell"


class Order(models.Model):
    class Type(models.TextChoices):
        LIMIT = "limit", "Limit"
        MARKET = "market", "Market"

    class Status(models.TextChoices):
        NEW = "new", "New (not yet sent)"
        SUBMITTED = "submitted", "Submitted"
        PARTIALLY_FILLED = "partially_filled", "Partially filled"
        FILLED = "filled", "Filled"
        CANCELLED = "cancelled", "Cancelled"
        REJECTED = "rejected", "Rejected"
        EXPIRED = "expired", "Expired"

    OPEN_STATUSES = (Status.NEW, Status.SUBMITTED, Status.PARTIALLY_FILLED)

    client_order_id = models.CharField(
        max_length=64, unique=True, help_text="Our idempotency key, sent to the broker with the order."
    )
    account = models.ForeignKey(BrokerAccount, on_delete=models.PROTECT, related_name="orders")
    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="orders")
    trading_date = models.DateField()
    side = models.CharField(max_length=4, choices=Side.choices)
    order_type = models.CharField(max_length=8, choices=Type.choices, default=Type.LIMIT)
    quantity = models.PositiveIntegerField()
    limit_price = models.DecimalField(**PRICE, null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    filled_quantity = models.PositiveIntegerField(default=0)
    broker_order_id = models.CharField(max_length=64, blank=True)
    broker_message = models.TextField(blank=True, help_text="The broker's words on a rejection or cancellation.")
    workflow_run = models.ForeignKey(
        "workflows.WorkflowRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="orders"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["account", "trading_date"]), models.Index(fields=["status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="order_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(limit_price__isnull=True) | models.Q(limit_price__gt=0),
                name="order_limit_price_positive",
            ),
        ]
        permissions = [
            ("trade_paper", "Can place orders on paper accounts"),
            ("trade_live", "Can place orders on live accounts"),
        ]

    def __str__(self) -> str:
        return f"{self.side} {self.quantity} {self.stock_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Fill(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="fills")
    broker_fill_id = models.CharField(max_length=64, help_text="The broker's execution id: a fill is stored once.")
    quantity = models.PositiveIntegerField()
    price = models.DecimalField(**PRICE)
    commission = models.DecimalField(**MONEY, default=Decimal("0"))
    stamp_duty = models.DecimalField(**MONEY, default=Decimal("0"))
    transfer_fee = models.DecimalField(**MONEY, default=Decimal("0"))
    filled_at = models.DateTimeField()

    class Meta:
        ordering = ["filled_at"]
        constraints = [
            models.UniqueConstraint(fields=["order", "broker_fill_id"], name="fill_unique_per_order"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="fill_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} @ {self.price}"

    @property
    def fees(self) -> Decimal:
        return self.commission + self.stamp_duty + self.transfer_fee

    @property
    def gross(self) -> Decimal:
        return (self.price * self.quantity).quantize(Decimal("0.01"))


class Position(models.Model):
    account = models.ForeignKey(BrokerAccount, on_delete=models.CASCADE, related_name="positions")
    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="positions")
    quantity = models.PositiveIntegerField(default=0)
    sellable_quantity = models.PositiveIntegerField(
        default=0, help_text="Shares that may be sold today (T+1: today's buys are not sellable)."
    )
    average_cost = models.DecimalField(**PRICE, default=Decimal("0"))
    as_of = models.DateField(help_text="Trading day the sellable quantity applies to.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account", "stock"]
        constraints = [
            models.UniqueConstraint(fields=["account", "stock"], name="position_unique_per_account"),
            models.CheckConstraint(
                condition=models.Q(sellable_quantity__lte=models.F("quantity")), name="position_sellable_le_quantity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stock_id}: {self.quantity} ({self.sellable_quantity} sellable)"


class AccountSnapshot(models.Model):
    account = models.ForeignKey(BrokerAccount, on_delete=models.CASCADE, related_name="snapshots")
    date = models.DateField()
    cash = models.DecimalField(**MONEY)
    market_value = models.DecimalField(**MONEY)
    equity = models.DecimalField(**MONEY, help_text="As the broker reports it; reconciled against cash + market value.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account", "-date"]
        constraints = [models.UniqueConstraint(fields=["account", "date"], name="snapshot_unique_per_day")]
        get_latest_by = "date"

    def __str__(self) -> str:
        return f"{self.account_id} {self.date}: {self.equity}"


class Strategy(models.Model):
    """The strategy's parameters for one account, edited in the admin and recorded in every run's inputs."""

    account = models.OneToOneField(BrokerAccount, on_delete=models.CASCADE, related_name="strategy")
    top_k = models.PositiveSmallIntegerField(default=5, help_text="Buy the K best-scored stocks.")
    score_threshold = models.FloatField(default=0.0, help_text="Buy only stocks scored above this (expected return).")
    max_cash_per_stock = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Spend at most this much on one stock (empty: no cap)."
    )
    skip_st = models.BooleanField(default=True, help_text="Never buy ST stocks.")
    sell_deadline = models.TimeField(
        default=datetime.time(11, 20),
        help_text="Until then sells wait at the predicted price; from then they go at the market.",
    )
    buy_wait_seconds = models.PositiveIntegerField(
        default=120, help_text="How long the buy waits for fills before cancelling what is left."
    )
    max_positions = models.PositiveSmallIntegerField(default=5, help_text="Risk: never hold more stocks than this.")
    max_daily_loss_pct = models.FloatField(default=3.0, help_text="Risk: stop buying after losing this % of equity today.")
    max_drawdown_pct = models.FloatField(default=15.0, help_text="Risk: stop buying this % below the best equity.")
    buying_halted = models.BooleanField(default=False, help_text="Kill switch: no buys at all (sells still run).")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "strategies"

    def __str__(self) -> str:
        return f"strategy of {self.account}"

    def as_inputs(self) -> dict[str, object]:
        return {
            "top_k": self.top_k, "score_threshold": self.score_threshold,
            "max_cash_per_stock": None if self.max_cash_per_stock is None else str(self.max_cash_per_stock),
            "skip_st": self.skip_st, "sell_deadline": self.sell_deadline.strftime("%H:%M"),
            "buy_wait_seconds": self.buy_wait_seconds, "max_positions": self.max_positions,
            "max_daily_loss_pct": self.max_daily_loss_pct, "max_drawdown_pct": self.max_drawdown_pct,
            "buying_halted": self.buying_halted,
        }
