"""Broker adapters by name (BrokerAccount.adapter): a dict of name -> callable(account) -> Broker.

Factories import their adapter lazily, so looking up one broker never imports (or needs) another's packages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from brokers.base import Broker
    from brokers.models import BrokerAccount

Factory = Callable[["BrokerAccount"], "Broker"]

_factories: dict[str, Factory] = {}


def register(name: str, factory: Factory) -> None:
    """Register (or replace) the factory for an adapter name."""
    _factories[name] = factory


def names() -> list[str]:
    return sorted(_factories)


def get(account: BrokerAccount) -> Broker:
    """The broker for this account, by account.adapter; an unknown name raises KeyError naming the known ones."""
    try:
        factory = _factories[account.adapter]
    except KeyError:
        raise KeyError(f"no broker adapter {account.adapter!r}; known: {', '.join(names()) or 'none'}") from None
    return factory(account)


def _alpaca(account: BrokerAccount) -> Broker:
    from brokers.adapters.alpaca import AlpacaBroker

    return AlpacaBroker(account)


register("alpaca", _alpaca)


def _paper(account: BrokerAccount) -> Broker:
    from brokers.adapters.paper import PaperBroker

    return PaperBroker(account)


register("paper", _paper)
