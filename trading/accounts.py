"""Which account a trading workflow acts on, and its broker."""

from __future__ import annotations

from django.conf import settings

from brokers import registry
from brokers.base import Broker
from brokers.models import BrokerAccount
from trading.models import Strategy


def resolve(name: str | None) -> tuple[BrokerAccount, Broker, Strategy]:
    """The named account (default: DEFAULT_BROKER_ACCOUNT; the paper account is created on first use)."""
    name = name or settings.DEFAULT_BROKER_ACCOUNT
    account = BrokerAccount.objects.filter(name=name).first()
    if account is None:
        if name != "paper":
            raise BrokerAccount.DoesNotExist(f"no broker account named {name!r}")
        account = BrokerAccount.objects.create(name="paper", adapter="paper", mode=BrokerAccount.Mode.PAPER)
    if not account.is_active:
        raise ValueError(f"broker account {name!r} is switched off")
    strategy, _ = Strategy.objects.get_or_create(account=account)
    broker = registry.get(account)
    broker.connect()
    return account, broker, strategy
