"""A scripted week of the T+1 workflows on the paper broker: buy Monday afternoon, sell Tuesday morning, ..."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest

from brokers.models import BrokerAccount
from market import quotes
from market.models import DailyBar
from market.providers.base import Quote
from market.tests.clock import at
from market.tests.factories import StockFactory
from modelling.tests.factories import ModelVersionFactory, PredictionFactory
from trading.models import AccountSnapshot, Fill, Order, Position, Strategy
from workflows import registry
from workflows.models import WorkflowRun
from workflows.runner import execute

pytestmark = pytest.mark.django_db


def run(name: str, **inputs):  # type: ignore[no-untyped-def]
    execute(registry.get(name), run_id=None, inputs=inputs)
    done = WorkflowRun.objects.filter(workflow=name).latest("created_at")
    assert done.status != WorkflowRun.Status.FAILED, done.error
    return done


@pytest.fixture
def market(settings):
    settings.PAPER_INITIAL_CASH = "100000.00"
    stocks = {code: StockFactory(code=code) for code in ("600000", "600004", "600006")}
    for stock in stocks.values():
        DailyBar.objects.create(stock=stock, date=datetime.date(2024, 3, 1), open=10, high=10, low=10, close=10.0)
    return stocks


def prices(when: datetime.datetime, **by_code: str) -> None:
    quotes.store([Quote(code.removeprefix("s"), float(p), when) for code, p in by_code.items()], "test")


def test_a_week_of_buying_and_selling_reconciles_to_the_cent(settings, market):
    version = ModelVersionFactory()
    monday, tuesday = datetime.date(2024, 3, 4), datetime.date(2024, 3, 5)
    for code, score in (("600000", 0.03), ("600004", 0.02), ("600006", -0.01)):
        PredictionFactory(stock=market[code], trading_date=monday, target_date=tuesday, score=score,
                          expected_return=score, predicted_open=10.4, predicted_midday=10.6, model_version=version)
    Strategy.objects.create(account=BrokerAccount.objects.create(name="paper", adapter="paper"), top_k=2, buy_wait_seconds=0)

    # Monday 13:30: the two positive scores are bought with the cash split in two.
    when = at(settings, 4, 13, 30)
    prices(when, s600000="10.00", s600004="10.00", s600006="10.00")
    bought = run("buy").outputs
    assert [(o["code"], o["quantity"], o["status"]) for o in bought["orders"]] == [
        ("600000", 4900, "filled"), ("600004", 4900, "filled")]
    assert bought["skipped"] == {} and bought["cash_per_stock"] == "50000.00"
    # each: value 49,000.00, commission 12.25, transfer 0.49 -> cash 100,000 - 2 x 49,012.74 = 1,974.52
    # The same buy again (a rerun, a duplicated delivery) places nothing new.
    run("buy")
    assert Order.objects.count() == 2
    synced = run("order_sync").outputs
    assert synced["fills_added"] == 2 and synced["cash"] == "1974.52" and synced["cash_difference"] is None
    assert Position.objects.get(stock__code="600000").sellable_quantity == 0  # T+1
    for stock in market.values():
        DailyBar.objects.create(stock=stock, date=monday, open=10, high=10, low=10, close=10.0)

    # Tuesday 09:35: sell both at the predicted morning price (10.50), which the market reaches.
    when = at(settings, 5, 9, 35)
    prices(when, s600000="10.50", s600004="10.40")
    sold = run("sell").outputs
    assert [(o["code"], o["limit_price"], o["status"]) for o in sold["orders"]] == [
        ("600000", "10.50", "filled"), ("600004", "10.50", "submitted")]
    # 11:20: the deadline: the unfilled limit sell is cancelled and sold at the market.
    when = at(settings, 5, 11, 20)
    prices(when, s600000="10.50", s600004="10.30")
    late = run("sell").outputs
    assert late["at_market"] and [(o["code"], o["status"]) for o in late["orders"]] == [("600004", "filled")]
    assert Order.objects.get(client_order_id__endswith="-sell-600004").status == "cancelled"
    at(settings, 5, 15, 30)
    synced = run("order_sync").outputs
    # 600000: 51,450.00 - (12.86 + 25.73 + 0.51); 600004: 50,470.00 - (12.62 + 25.24 + 0.50)
    assert synced["cash"] == str(D("1974.52") + D("51450.00") - D("39.10") + D("50470.00") - D("38.36"))
    assert synced["cash_difference"] == "0.00" and synced["positions"] == 0
    assert [(t["code"], t["profit"]) for t in synced["round_trips"]] == [
        ("600000", str(D("51410.90") - D("49012.74"))), ("600004", str(D("50431.64") - D("49012.74")))]
    assert AccountSnapshot.objects.get(date=tuesday).equity == D("103817.06")  # all cash again
    assert Fill.objects.count() == 4


def test_buy_falls_back_to_the_last_saved_scores_when_todays_prediction_is_missing(settings, market):
    PredictionFactory(stock=market["600000"], trading_date=datetime.date(2024, 3, 1),
                      target_date=datetime.date(2024, 3, 4), score=0.02)
    Strategy.objects.create(account=BrokerAccount.objects.create(name="paper", adapter="paper"), buy_wait_seconds=0)
    prices(at(settings, 4, 13, 30), s600000="10.00")
    outputs = run("buy").outputs
    assert str(outputs["scores_from"]) == "2024-03-01" and outputs["orders"][0]["status"] == "filled"


def test_buy_skips_what_the_rules_say_and_says_why(settings, market):
    day = datetime.date(2024, 3, 4)
    version = ModelVersionFactory()
    market["600004"].is_st = True
    market["600004"].save()
    market["600006"].is_suspended = True
    market["600006"].save()
    expensive = StockFactory(code="600519")
    DailyBar.objects.create(stock=expensive, date=datetime.date(2024, 3, 1), open=1700, high=1700, low=1700, close=1700)
    for code, score in (("600000", 0.05), ("600004", 0.04), ("600006", 0.03), ("600519", 0.02)):
        stock = expensive if code == "600519" else market[code]
        PredictionFactory(stock=stock, trading_date=day, score=score, model_version=version)
    Strategy.objects.create(account=BrokerAccount.objects.create(name="paper", adapter="paper"), top_k=5,
                            buy_wait_seconds=0, max_cash_per_stock=D("20000"))
    prices(at(settings, 4, 13, 30), s600000="11.00", s600519="1700.00")
    outputs = run("buy").outputs
    assert outputs["skipped"] == {"600000": "at the up-limit 11.00", "600004": "ST", "600006": "suspended",
                                  "600519": "one lot at 1700.00 costs more than 20000.00"}
    assert outputs["orders"] == []


def test_the_kill_switch_blocks_buying_but_not_selling(settings, market):
    PredictionFactory(stock=market["600000"], trading_date=datetime.date(2024, 3, 4), score=0.02)
    Strategy.objects.create(account=BrokerAccount.objects.create(name="paper", adapter="paper"), buying_halted=True)
    prices(at(settings, 4, 13, 30), s600000="10.00")
    blocked = run("buy")
    assert blocked.status == WorkflowRun.Status.SKIPPED and "kill switch" in blocked.outputs["skipped"]
    assert blocked.inputs["strategy"]["buying_halted"] is True
    assert run("sell").status == WorkflowRun.Status.SUCCEEDED


def test_sell_keeps_and_reports_a_stock_at_the_down_limit_or_suspended(settings, market):
    from decimal import Decimal

    from brokers.models import PaperAccount, PaperLot

    account = BrokerAccount.objects.create(name="paper", adapter="paper")
    Strategy.objects.create(account=account)
    books = PaperAccount.objects.create(account=account, cash=Decimal("0"), initial_cash=Decimal("0"))
    for code in ("600000", "600004"):
        PaperLot.objects.create(paper=books, code=code, bought_on=datetime.date(2024, 3, 1), quantity=100,
                                cost=Decimal("1000"))
    market["600004"].is_suspended = True
    market["600004"].save()
    prices(at(settings, 4, 9, 45), s600000="9.00")  # previous close 10.00: the down-limit
    outputs = run("sell").outputs
    assert outputs["orders"] == []
    assert outputs["kept"] == {"600000": "at the down-limit 9.00: no buyers", "600004": "suspended"}
