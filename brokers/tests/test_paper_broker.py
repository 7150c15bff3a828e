"""The paper broker against a hand-computed ledger, to the cent, and its A-share rules."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest

from brokers.adapters.paper import PaperBroker
from brokers.base import InsufficientFunds, NotPermitted, OrderRejected, OrderRequest
from brokers.tests.factories import BrokerAccountFactory
from market import quotes
from market.models import Board, DailyBar, Exchange
from market.providers.base import Quote
from market.tests.clock import at
from market.tests.factories import StockFactory

pytestmark = pytest.mark.django_db


def quote(code: str, price: str, when: datetime.datetime, suspended: bool = False) -> None:
    quotes.store([Quote(code, float(price), when, suspended=suspended)], "test")


def close(stock, day: int, price: float) -> None:  # type: ignore[no-untyped-def]
    DailyBar.objects.update_or_create(stock=stock, date=datetime.date(2024, 3, day),
                                      defaults={"open": price, "high": price, "low": price, "close": price})


@pytest.fixture
def broker(settings):
    settings.PAPER_INITIAL_CASH = "100000.00"
    return PaperBroker(BrokerAccountFactory(adapter="paper"))


@pytest.fixture
def bank():
    bank = StockFactory(code="600000", exchange=Exchange.SSE, board=Board.MAIN)
    DailyBar.objects.create(stock=bank, date=datetime.date(2024, 3, 1), open=10, high=10, low=10, close=10.00)
    return bank


@pytest.fixture
def catl():
    catl = StockFactory(code="300750", exchange=Exchange.SZSE, board=Board.CHINEXT)
    DailyBar.objects.create(stock=catl, date=datetime.date(2024, 3, 1), open=150, high=150, low=150, close=150.00)
    return catl


def order(cid: str, code: str, side: str, quantity: int, price: str | None = None) -> OrderRequest:
    return OrderRequest(cid, code, side, quantity, "limit" if price else "market", D(price) if price else None)


def test_a_scripted_week_matches_the_hand_computed_ledger_to_the_cent(settings, broker, bank, catl):
    # Monday afternoon: buy 1,000 at 10.00. value 10,000.00; commission max(5, 2.50) = 5.00; transfer 0.10.
    quote("600000", "10.00", at(settings, 4, 13, 30))
    filled = broker.place_order(order("mon-buy", "600000", "buy", 1000, "10.00"))
    assert (filled.status, filled.filled_quantity, filled.average_fill_price) == ("filled", 1000, D("10.00"))
    assert broker.account().cash == D("89994.90")
    # ... and it cannot be sold the same day (T+1).
    with pytest.raises(OrderRejected, match="only 0 sellable today .1000 bought today are not sellable until tomorrow: T.1"):
        broker.place_order(order("mon-sell", "600000", "sell", 1000))
    close(bank, 4, 10.00)

    # Tuesday morning: sell 1,000 at 10.50. value 10,500.00; commission 5.00 (2.63 < 5); stamp duty 5.25;
    # transfer 0.105 -> 0.11. Cash 89,994.90 + 10,500.00 - 10.36 = 100,484.54.
    quote("600000", "10.50", at(settings, 5, 9, 45))
    assert broker.positions()[0].sellable == 1000
    broker.place_order(order("tue-sell", "600000", "sell", 1000))
    assert broker.account().cash == D("100484.54") and broker.positions() == []
    # Tuesday afternoon: 200 CATL at 150.00 (ChiNext, 20% limit). value 30,000.00; commission 7.50; transfer 0.30.
    quote("300750", "150.00", at(settings, 5, 13, 30))
    broker.place_order(order("tue-buy", "300750", "buy", 200, "150.00"))
    assert broker.account().cash == D("70476.74")
    close(catl, 5, 150.00)

    # Wednesday: CATL opens sealed at the down-limit 120.00: the sell does not fill, and expires at the close.
    quote("300750", "120.00", at(settings, 6, 9, 45))
    stuck = broker.place_order(order("wed-sell", "300750", "sell", 200))
    assert (stuck.status, stuck.filled_quantity) == ("submitted", 0)
    at(settings, 6, 15, 5)
    assert broker.get_order("wed-sell").status == "expired"
    assert broker.positions()[0].quantity == 200
    close(catl, 6, 120.00)

    # Thursday: sold at 126.00. value 25,200.00; commission 6.30; stamp 12.60; transfer 0.252 -> 0.25.
    quote("300750", "126.00", at(settings, 7, 10, 0))
    broker.place_order(order("thu-sell", "300750", "sell", 200))
    state = broker.account()
    assert (state.cash, state.market_value, state.equity) == (D("95657.59"), D("0.00"), D("95657.59"))

    # Every fill reconciles with the cash, to the cent.
    fills = broker.fills(datetime.date(2024, 3, 4), datetime.date(2024, 3, 8))
    flows = sum((f.price * f.quantity * (1 if f.side == "sell" else -1)
                 - f.commission - f.stamp_duty - f.transfer_fee for f in fills), D("0"))
    assert D("100000.00") + flows == state.cash
    assert [(f.commission, f.stamp_duty, f.transfer_fee) for f in fills] == [
        (D("5.00"), D("0.00"), D("0.10")), (D("5.00"), D("5.25"), D("0.11")),
        (D("7.50"), D("0.00"), D("0.30")), (D("6.30"), D("12.60"), D("0.25")),
    ]


def test_the_same_client_order_id_never_places_a_second_order(settings, broker, bank):
    quote("600000", "10.00", at(settings, 4, 13, 30))
    first = broker.place_order(order("cid-1", "600000", "buy", 100, "10.00"))
    again = broker.place_order(order("cid-1", "600000", "buy", 100, "10.00"))
    assert first.broker_order_id == again.broker_order_id
    assert broker.positions()[0].quantity == 100
    assert broker.account().cash == D("100000.00") - D("1000.00") - D("5.00") - D("0.01")


def test_odd_lots_buy_in_hundreds_and_sell_the_remainder_at_once(settings, broker, bank):
    quote("600000", "10.00", at(settings, 4, 13, 30))
    with pytest.raises(OrderRejected, match="buys are in lots of 100"):
        broker.place_order(order("odd-buy", "600000", "buy", 150, "10.00"))
    broker.place_order(order("buy", "600000", "buy", 300, "10.00"))
    from brokers.models import PaperLot

    PaperLot.objects.filter(code="600000").update(quantity=350)  # a bonus share issue left an odd lot
    close(bank, 4, 10.00)
    quote("600000", "10.00", at(settings, 5, 10, 0))
    with pytest.raises(OrderRejected, match="or the whole odd remainder at once .350 sellable"):
        broker.place_order(order("sell-odd", "600000", "sell", 50))
    broker.place_order(order("sell-100", "600000", "sell", 100))
    assert broker.place_order(order("sell-rest", "600000", "sell", 250)).status == "filled"


def test_a_buy_at_the_up_limit_waits_and_fills_when_the_price_comes_off_it(settings, broker, bank):
    quote("600000", "11.00", at(settings, 4, 10, 0))  # previous close 10.00: up-limit 11.00
    pending = broker.place_order(order("up", "600000", "buy", 100))
    assert pending.status == "submitted"
    assert broker.account().cash == D("100000.00")
    quote("600000", "10.90", at(settings, 4, 10, 30))
    assert broker.get_order("up").status == "filled"


@pytest.mark.parametrize(
    ("request_", "error", "words"),
    [
        (order("x", "999999", "buy", 100, "10.00"), OrderRejected, "unknown stock 999999"),
        (order("x", "600000", "buy", 0, "10.00"), OrderRejected, "quantity must be a positive whole number"),
        (order("x", "600000", "buy", 100, "-1.00"), OrderRejected, "needs a positive limit price"),
        (order("x", "600000", "buy", 100, "10.001"), OrderRejected, "not on the 0.01 tick"),
        (order("x", "600000", "buy", 100, "11.50"), OrderRejected, r"outside today's limits \[9.00, 11.00\]"),
        (order("x", "600000", "buy", 100_000, "10.00"), InsufficientFunds, "needs 1000260.00 CNY"),
    ],
)
def test_bad_orders_are_refused_and_nothing_is_written(settings, broker, bank, request_, error, words):
    quote("600000", "10.00", at(settings, 4, 10, 0))
    with pytest.raises(error, match=words):
        broker.place_order(request_)
    from brokers.models import PaperOrder

    assert not PaperOrder.objects.exists() and broker.account().cash == D("100000.00")


def test_suspended_stocks_closed_markets_and_holidays_are_refused(settings, broker, bank):
    quote("600000", "10.00", at(settings, 4, 10, 0), suspended=True)
    with pytest.raises(NotPermitted, match="600000 is suspended"):
        broker.place_order(order("s", "600000", "buy", 100))
    at(settings, 4, 12, 0)
    with pytest.raises(NotPermitted, match="the market is closed at 2024-03-04 12:00"):
        broker.place_order(order("s", "600000", "buy", 100))
    settings.CLOCK_NOW = "2024-10-01T10:00:00+08:00"  # National Day
    with pytest.raises(NotPermitted, match="the market is closed"):
        broker.place_order(order("s", "600000", "buy", 100))


def test_cancelling_an_open_order_releases_its_cash(settings, broker, bank):
    quote("600000", "10.00", at(settings, 4, 10, 0))
    broker.place_order(order("low", "600000", "buy", 1000, "9.50"))
    with pytest.raises(InsufficientFunds):
        broker.place_order(order("big", "600000", "buy", 9400, "10.00"))  # 90,500 held for the first
    assert broker.cancel_order("low").status == "cancelled"
    assert broker.place_order(order("big", "600000", "buy", 9400, "10.00")).status == "filled"
