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
