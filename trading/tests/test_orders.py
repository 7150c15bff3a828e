"""The order service: bad input refused before anything is written; broker faults handled by kind."""

from __future__ import annotations

import datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied

from brokers.adapters.paper import PaperBroker
from brokers.base import BrokerOrder, OrderRejected, RetryableBrokerError, SessionExpired
from brokers.models import BrokerAccount, PaperOrder
from market import quotes
from market.models import DailyBar
from market.providers.base import Quote
from market.tests.factories import StockFactory
from trading import orders
from trading.models import Order

pytestmark = pytest.mark.django_db
MONDAY = datetime.date(2024, 3, 4)


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr("workflows.retry.time.sleep", lambda seconds: None)


@pytest.fixture
def broker(settings):
    settings.CLOCK_NOW = "2024-03-04T13:30:00+08:00"
    stock = StockFactory(code="600000")
    DailyBar.objects.create(stock=stock, date=datetime.date(2024, 3, 1), open=10, high=10, low=10, close=10.0)
    quotes.store([Quote("600000", 10.0, datetime.datetime(2024, 3, 4, 13, 30, tzinfo=ZoneInfo("Asia/Shanghai")))], "t")
    return PaperBroker(BrokerAccount.objects.create(name="paper", adapter="paper"))


class Flaky(PaperBroker):
    """The real paper broker behind a connection that fails the first calls in a given way."""

    def __init__(self, account: BrokerAccount, failures: list[Exception]) -> None:
        super().__init__(account)
        self.failures = failures
        self.connects = 0

    def connect(self) -> None:
        self.connects += 1

    def place_order(self, request):  # type: ignore[no-untyped-def]
        if self.failures:
            raise self.failures.pop(0)
        return super().place_order(request)


@pytest.mark.parametrize(
    ("code", "quantity", "price", "words"),
    [
        ("999999", 100, D("10.00"), "unknown stock '999999'"),
        ("600000", 150, D("10.00"), "not a whole number of 100-share lots"),
        ("600000", 100, D("-1.00"), "needs a positive limit price"),
        ("600000", -100, D("10.00"), "quantity must be a positive whole number"),
        ("600000", 100, D("10.005"), "not on the 0.01 tick"),
    ],
)
def test_a_bad_order_is_refused_with_a_clear_error_and_nothing_is_written(broker, code, quantity, price, words):
    with pytest.raises(orders.OrderError, match=words):
        orders.submit(broker, code, "buy", quantity, trading_date=MONDAY, limit_price=price)
    assert not Order.objects.exists() and not PaperOrder.objects.exists()


def test_the_test_user_may_trade_paper_but_never_live(broker, role_users):
    assert orders.submit(broker, "600000", "buy", 100, trading_date=MONDAY, limit_price=D("10.00"),
                         user=role_users["test"]).status == "filled"
    live = BrokerAccount.objects.create(name="live", adapter="paper", mode=BrokerAccount.Mode.LIVE)
    with pytest.raises(PermissionDenied, match="test may not place orders on the live account live"):
        orders.submit(PaperBroker(live), "600000", "buy", 100, trading_date=MONDAY, limit_price=D("10.00"),
                      user=role_users["test"])
    with pytest.raises(PermissionDenied):
        orders.submit(PaperBroker(live), "600000", "buy", 100, trading_date=MONDAY, user=role_users["guest"],
                      order_type="market")
    assert Order.objects.count() == 1


def test_timeouts_and_an_expired_session_are_retried_and_succeed(broker):
    flaky = Flaky(broker.account_row, [RetryableBrokerError("read timed out"), SessionExpired("session expired")])
    order = orders.submit(flaky, "600000", "buy", 100, trading_date=MONDAY, limit_price=D("10.00"))
    assert order.status == "filled" and flaky.connects == 1  # logged in again after the expired session
    assert PaperOrder.objects.count() == 1


def test_a_permanent_rejection_is_recorded_on_the_order_with_the_brokers_words(broker):
    flaky = Flaky(broker.account_row, [OrderRejected("rejected", broker_message="stock not permitted: 600000")])
    order = orders.submit(flaky, "600000", "buy", 100, trading_date=MONDAY, limit_price=D("10.00"))
    assert (order.status, order.broker_message) == ("rejected", "stock not permitted: 600000")
    assert Order.objects.get().status == "rejected" and not PaperOrder.objects.exists()


def test_an_unreachable_broker_fails_with_a_clear_error_and_the_order_can_be_sent_later(broker):
    down = Flaky(broker.account_row, [RetryableBrokerError("connection refused")] * 4)
    with pytest.raises(RetryableBrokerError, match="connection refused"):
        orders.submit(down, "600000", "buy", 100, trading_date=MONDAY, limit_price=D("10.00"))
    order = Order.objects.get()
    assert order.status == "new"  # kept, with its client order id, for the rerun
    again = orders.submit(broker, "600000", "buy", 100, trading_date=MONDAY, limit_price=D("10.00"))
    assert again.pk == order.pk and again.status == "filled" and PaperOrder.objects.count() == 1


def test_a_sent_order_is_never_sent_again(broker):
    first = orders.submit(broker, "600000", "buy", 100, trading_date=MONDAY, limit_price=D("10.00"))
    second = orders.submit(broker, "600000", "buy", 100, trading_date=MONDAY, limit_price=D("10.00"))
    assert first.pk == second.pk and PaperOrder.objects.count() == 1


def test_fills_are_recorded_once_and_an_unknown_orders_fill_is_kept(broker):
    orders.submit(broker, "600000", "buy", 100, trading_date=MONDAY, limit_price=D("10.00"))
    fills = broker.fills(MONDAY, MONDAY)
    assert orders.record_fills(broker.account_row, fills) == 1
    assert orders.record_fills(broker.account_row, fills) == 0
    from brokers.base import BrokerFill

    outside = BrokerFill("x1", "", "b-99", "600000", "buy", 200, D("10.00"), D("5"), D("0"), D("0.02"),
                         datetime.datetime(2024, 3, 4, 14, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert orders.record_fills(broker.account_row, [outside]) == 1
    kept = Order.objects.get(broker_order_id="b-99")
    assert kept.broker_message == "placed outside this system" and kept.fills.get().quantity == 200


def test_the_broker_order_shape_is_applied_to_our_row(broker):
    order = orders.submit(broker, "600000", "buy", 100, trading_date=MONDAY, limit_price=D("10.00"))
    assert isinstance(broker.get_order(order.client_order_id), BrokerOrder)
    assert order.client_order_id == f"st{broker.account_row.pk}-20240304-buy-600000"
