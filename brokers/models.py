"""Broker accounts. Credentials are encrypted at rest and never shown back in clear."""

from __future__ import annotations

from typing import Any

from django.db import models

from brokers import crypto


class BrokerAccount(models.Model):
    class Mode(models.TextChoices):
        PAPER = "paper", "Paper (simulated)"
        LIVE = "live", "Live (real money)"

    name = models.CharField(max_length=64, unique=True)
    adapter = models.CharField(max_length=32, default="paper", help_text="Broker adapter, e.g. paper or alpaca.")
    mode = models.CharField(
        max_length=8,
        choices=Mode.choices,
        default=Mode.PAPER,
        help_text="Live trading places real orders; only an admin may switch an account to live.",
    )
    currency = models.CharField(max_length=3, default="CNY")
    is_active = models.BooleanField(default=True)
    credentials_encrypted = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        permissions = [("switch_to_live", "Can switch a broker account to live trading")]

    def __str__(self) -> str:
        return f"{self.name} ({self.mode})"

    @property
    def is_live(self) -> bool:
        return self.mode == self.Mode.LIVE

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials_encrypted)

    def set_credentials(self, credentials: dict[str, Any]) -> None:
        self.credentials_encrypted = crypto.encrypt(credentials) if credentials else ""

    def get_credentials(self) -> dict[str, Any]:
        """The decrypted credentials, for the broker adapter only: never log or display them."""
        return crypto.decrypt(self.credentials_encrypted)


MONEY = {"max_digits": 16, "decimal_places": 2}
PRICE = {"max_digits": 14, "decimal_places": 4}


class PaperAccount(models.Model):
    """The paper broker's own books for one account: the simulated brokerage side, not our records."""

    account = models.OneToOneField(BrokerAccount, on_delete=models.CASCADE, related_name="paper")
    cash = models.DecimalField(**MONEY)
    initial_cash = models.DecimalField(**MONEY)
    slippage_bps = models.PositiveIntegerField(
        default=0, help_text="Market orders fill this many basis points worse than the quote."
    )
    latency_ms = models.PositiveIntegerField(
        default=0, help_text="Simulated network delay of each order answer, after the broker has booked it."
    )

    def __str__(self) -> str:
        return f"paper books of {self.account_id}: {self.cash}"


class PaperLot(models.Model):
    """Shares bought on one day: what T+1 needs to know (bought before today = sellable)."""

    paper = models.ForeignKey(PaperAccount, on_delete=models.CASCADE, related_name="lots")
    code = models.CharField(max_length=16)
    bought_on = models.DateField()
    quantity = models.PositiveIntegerField()
    cost = models.DecimalField(**MONEY, help_text="What these shares cost, fees included.")

    class Meta:
        ordering = ["paper", "code", "bought_on", "id"]
        indexes = [models.Index(fields=["paper", "code"])]


class PaperOrder(models.Model):
    paper = models.ForeignKey(PaperAccount, on_delete=models.CASCADE, related_name="orders")
    client_order_id = models.CharField(max_length=64)
    code = models.CharField(max_length=16)
    side = models.CharField(max_length=4)
    order_type = models.CharField(max_length=8)
    quantity = models.PositiveIntegerField()
    limit_price = models.DecimalField(**PRICE, null=True, blank=True)
    status = models.CharField(max_length=16)
    filled_quantity = models.PositiveIntegerField(default=0)
    average_fill_price = models.DecimalField(**PRICE, null=True, blank=True)
    frozen_cash = models.DecimalField(**MONEY, default=0, help_text="Cash held for an open buy.")
    message = models.CharField(max_length=255, blank=True)
    trading_date = models.DateField()
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "client_order_id"], name="paperorder_unique_client_id")
        ]


class PaperFill(models.Model):
    order = models.ForeignKey(PaperOrder, on_delete=models.CASCADE, related_name="fills")
    quantity = models.PositiveIntegerField()
    price = models.DecimalField(**PRICE)
    commission = models.DecimalField(**MONEY)
    stamp_duty = models.DecimalField(**MONEY)
    transfer_fee = models.DecimalField(**MONEY)
    filled_at = models.DateTimeField()

    class Meta:
        ordering = ["filled_at", "id"]
