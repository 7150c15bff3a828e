"""The one broker interface (the original's IDataService, trading half) and its typed errors.

Every order carries our client order id, derived from account, day, side and stock: a broker that
already has an order with that id returns it instead of placing a second one. Money is Decimal.
"""

from __future__ import annotations

import datetime
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from brokers.models import BrokerAccount


class BrokerError(Exception):
    """A permanent failure: retrying the same call will not help."""

    def __init__(self, message: str, *, broker_message: str = "") -> None:
        super().__init__(message)
        self.broker_message = broker_message or message


class RetryableBrokerError(BrokerError):
    """Timeouts, connection errors, an expired session, rate limiting, HTTP 5xx: worth retrying."""


class SessionExpired(RetryableBrokerError):
    """The login is no longer valid; connect() again, then retry."""


class OrderRejected(BrokerError):
    """The broker refused the order; broker_message holds its words."""


class InsufficientFunds(OrderRejected):
    pass


class NotPermitted(OrderRejected):
    """The account may not trade this stock, or not now (market closed, suspended, price limit)."""


@dataclass(frozen=True)
class AccountState:
    cash: Decimal  # settled cash available to trade
    market_value: Decimal
    equity: Decimal
    currency: str


@dataclass(frozen=True)
class BrokerPosition:
    code: str
    quantity: int
    sellable: int  # may be sold today (A-shares: bought before today, T+1)
    average_cost: Decimal
    market_value: Decimal


@dataclass(frozen=True)
class OrderRequest:
    client_order_id: str
    code: str
    side: str  # "buy" | "sell"
    quantity: int
    order_type: str = "limit"  # "limit" | "market"
    limit_price: Decimal | None = None


@dataclass(frozen=True)
class BrokerOrder:
    client_order_id: str
    broker_order_id: str
    code: str
    side: str
    quantity: int
    filled_quantity: int
    status: str  # one of trading.models.Order.Status values
    order_type: str
    limit_price: Decimal | None
    average_fill_price: Decimal | None
    message: str
    submitted_at: datetime.datetime


@dataclass(frozen=True)
class BrokerFill:
    broker_fill_id: str
    client_order_id: str
    broker_order_id: str
    code: str
    side: str
    quantity: int
    price: Decimal
    commission: Decimal
    stamp_duty: Decimal
    transfer_fee: Decimal
    filled_at: datetime.datetime


class Broker(ABC):
    """One brokerage behind the interface; an instance serves one BrokerAccount."""

    #: registry name, stored on BrokerAccount.adapter
    name: str = ""
    #: whether bought shares can only be sold from the next trading day (A-shares) or at once (US)
    t_plus_one: bool = True
    #: shares per board lot; buys are whole lots
    lot_size: int = 100

    def __init__(self, account: BrokerAccount) -> None:
        self.account_row = account

    @abstractmethod
    def connect(self) -> None:
        """Log in, or refresh the session; safe to call again."""

    @abstractmethod
    def account(self) -> AccountState: ...

    @abstractmethod
    def positions(self) -> list[BrokerPosition]: ...

    @abstractmethod
    def quotes(self, codes: Sequence[str]) -> dict[str, Decimal]:
        """Latest trade price per code (codes without a price are left out)."""

    @abstractmethod
    def place_order(self, request: OrderRequest) -> BrokerOrder:
        """Place the order, or return the existing one with the same client order id (never a second)."""

    @abstractmethod
    def cancel_order(self, client_order_id: str) -> BrokerOrder: ...

    @abstractmethod
    def get_order(self, client_order_id: str) -> BrokerOrder | None: ...

    @abstractmethod
    def orders(self, start: datetime.date, end: datetime.date) -> list[BrokerOrder]:
        """Orders submitted from start to end inclusive (today's: start = end = today)."""

    @abstractmethod
    def fills(self, start: datetime.date, end: datetime.date) -> list[BrokerFill]: ...

    @abstractmethod
    def permissions(self) -> dict[str, bool]:
        """Which stocks this account may trade: {code: may_trade} for the stocks the broker reports on."""
