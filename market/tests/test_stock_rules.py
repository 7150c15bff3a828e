from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError

from market.models import Board, Exchange, ListingState
from market.tests.factories import DailyBarFactory, StockFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("board", "is_st", "limit"),
    [
        (Board.MAIN, False, 0.10),
        (Board.MAIN, True, 0.05),
        (Board.CHINEXT, False, 0.20),
        (Board.STAR, False, 0.20),
        (Board.BSE, False, 0.30),
        (Board.US, False, None),
    ],
)
def test_the_daily_price_limit_follows_the_board_and_st_flag(board, is_st, limit):
    stock = StockFactory.build(board=board, is_st=is_st)
    assert stock.price_limit == limit


def test_a_stock_trades_only_when_listed_not_suspended_and_permitted():
    stock = StockFactory.build()
    assert stock.can_trade
    for change in ({"is_suspended": True}, {"is_tradable": False}, {"listing_state": ListingState.DELISTED}):
        assert not StockFactory.build(**change).can_trade


def test_each_exchange_maps_to_a_real_trading_calendar():
    assert StockFactory.build(exchange=Exchange.SZSE).calendar_name == "XSHG"
    assert StockFactory.build(code="AAPL", exchange=Exchange.NASDAQ, board=Board.US).calendar_name == "XNYS"


def test_a_stock_has_one_bar_per_day():
    bar = DailyBarFactory(date=datetime.date(2024, 3, 1))
    with pytest.raises(IntegrityError):
        DailyBarFactory(stock=bar.stock, date=datetime.date(2024, 3, 1))
