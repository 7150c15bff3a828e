from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from brokers.tests.factories import BrokerAccountFactory
from market.tests.factories import StockFactory
from trading.models import AccountSnapshot, Fill, Order, Position, Side


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    account = factory.SubFactory(BrokerAccountFactory)
    stock = factory.SubFactory(StockFactory)
    trading_date = datetime.date(2024, 3, 4)
    side = Side.BUY
    quantity = 100
    limit_price = Decimal("10.00")
    client_order_id = factory.LazyAttribute(
        lambda o: f"{o.account.pk}-{o.trading_date:%Y%m%d}-{o.side}-{o.stock.code}"
    )


class FillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fill

    order = factory.SubFactory(OrderFactory)
    broker_fill_id = factory.Sequence(lambda n: f"fill-{n}")
    quantity = 100
    price = Decimal("10.00")
    commission = Decimal("5.00")
    transfer_fee = Decimal("0.01")
    filled_at = factory.LazyFunction(timezone.now)


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position

    account = factory.SubFactory(BrokerAccountFactory)
    stock = factory.SubFactory(StockFactory)
    quantity = 100
    sellable_quantity = 0
    average_cost = Decimal("10.05")
    as_of = datetime.date(2024, 3, 4)


class AccountSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountSnapshot

    account = factory.SubFactory(BrokerAccountFactory)
    date = datetime.date(2024, 3, 4)
    cash = Decimal("8994.99")
    market_value = Decimal("1000.00")
    equity = Decimal("9994.99")
