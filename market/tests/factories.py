from __future__ import annotations

import datetime

import factory

from market.models import Board, DailyBar, Exchange, Stock


class StockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stock
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{600000 + n:06d}")
    name = factory.Sequence(lambda n: f"Stock {n}")
    exchange = Exchange.SSE
    board = Board.MAIN


class DailyBarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DailyBar

    stock = factory.SubFactory(StockFactory)
    date = factory.Sequence(lambda n: datetime.date(2024, 1, 2) + datetime.timedelta(days=n))
    open = 10.0
    midday = 10.1
    high = 10.3
    low = 9.9
    close = 10.2
    volume = 100_000
    amount = 1_020_000.0
