"""Stock list, realtime quotes, history (noon and after the close), cleanup and permissions."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from market import calendar, permissions
from market import quotes as quote_cache
from market.models import DailyBar, ListingState, RejectedBar, Stock
from market.providers.base import Quote, StockInfo
from market.tests.factories import StockFactory
from market.tests.table_provider import install, walk
from modelling.tests.factories import PredictionFactory
from workflows import registry
from workflows.models import WorkflowRun
from workflows.runner import execute

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def run(name: str, **inputs):  # type: ignore[no-untyped-def]
    execute(registry.get(name), run_id=None, inputs=inputs)
    return WorkflowRun.objects.filter(workflow=name).latest("created_at")


@pytest.fixture
def provider():
    return install()


def test_the_stock_list_sync_adds_updates_and_delists(provider):
    provider.stocks = [StockInfo("600000", "Pudong", "SSE", "main"), StockInfo("300750", "CATL", "SZSE", "chinext"),
                       StockInfo("000001", "Ping An", "SZSE", "main")]
    assert run("sync_stock_list", source="table").outputs["created"] == 3
    provider.stocks = [StockInfo("600000", "*ST Pudong", "SSE", "main", is_st=True),
                       StockInfo("300750", "CATL", "SZSE", "chinext"), StockInfo("688981", "SMIC", "SSE", "star")]
    result = run("sync_stock_list", source="table").outputs
    assert (result["created"], result["updated"], result["delisted"]) == (1, 1, ["000001"])
    assert Stock.objects.get(code="600000").is_st and Stock.objects.get(code="600000").price_limit == 0.05
    assert Stock.objects.get(code="000001").listing_state == ListingState.DELISTED


def test_a_suspiciously_short_stock_list_delists_nothing(provider):
    provider.stocks = [StockInfo(f"{600000 + i:06d}", "", "SSE", "main") for i in range(10)]
    run("sync_stock_list", source="table")
    provider.stocks = provider.stocks[:3]
    failed = run("sync_stock_list", source="table")
    assert failed.status == WorkflowRun.Status.FAILED and "refusing to mark the rest delisted" in failed.error
    assert not Stock.objects.filter(listing_state=ListingState.DELISTED).exists()


def test_a_code_owned_by_another_source_is_left_alone(provider):
    StockFactory(code="600000", source="simulated", name="SIM 600000")
    provider.stocks = [StockInfo("600000", "Pudong", "SSE", "main")]
    outputs = run("sync_stock_list", source="table").outputs
    assert outputs["conflicts"] == ["600000 belongs to source 'simulated'"]
    assert Stock.objects.get(code="600000").name == "SIM 600000"


def test_quotes_go_to_the_cache_and_mark_suspensions(provider, settings):
    settings.CLOCK_NOW = "2024-03-04T09:00:00+08:00"  # a Monday session
    StockFactory(code="600000", source="table")
    StockFactory(code="600004", source="table")
    at = datetime.datetime(2024, 3, 4, 9, 0, tzinfo=SHANGHAI)
    provider.quote_list = [Quote("600000", 10.5, at, open=10.4), Quote("600004", 8.0, at, suspended=True)]
    outputs = run("sync_quotes", source="table").outputs
    assert outputs["quotes"] == 2 and outputs["suspended"] == 1
    assert quote_cache.get_many(["600000"])["600000"]["price"] == 10.5
    assert quote_cache.meta()["count"] == 2
    assert Stock.objects.get(code="600004").is_suspended


def test_quotes_are_skipped_on_a_holiday(provider, settings):
    settings.CLOCK_NOW = "2024-10-01T09:00:00+08:00"  # National Day
    skipped = run("sync_quotes", source="table")
    assert skipped.status == WorkflowRun.Status.SKIPPED
    assert skipped.outputs == {"skipped": "not a trading day: 2024-10-01 on XSHG"}


def test_history_sync_stores_the_noon_bar_then_completes_it_after_the_close(provider, settings):
    stock = StockFactory(code="600000", source="table")
    sessions = calendar.sessions(datetime.date(2024, 2, 1), datetime.date(2024, 3, 4))
    full = walk(sessions)
    provider.bars["600000"] = full.assign(midday=float("nan"))  # daily history has no 11:30 price
    settings.HISTORY_START = "2024-02-01"
    settings.CLOCK_NOW = "2024-03-01T20:00:00+08:00"
    first = run("sync_history", source="table")
    assert first.outputs["mode"] == "close" and first.outputs["bars_loaded"] == len(sessions) - 1

    today = full.iloc[-1]
    settings.CLOCK_NOW = "2024-03-04T11:35:00+08:00"
    at = datetime.datetime(2024, 3, 4, 11, 30, tzinfo=SHANGHAI)
    provider.quote_list = [Quote("600000", 10.0 * 1.01 ** len(sessions), at, open=today["open"], high=None, low=None)]
    noon = run("sync_history", source="table")
    assert noon.outputs["mode"] == "noon" and noon.outputs["bars_loaded"] == 1
    bar = DailyBar.objects.get(stock=stock, date=datetime.date(2024, 3, 4))
    assert bar.close is None and bar.midday == pytest.approx(10.0 * 1.01 ** len(sessions))

    settings.CLOCK_NOW = "2024-03-04T15:40:00+08:00"
    close = run("sync_history", source="table")
    assert close.outputs["mode"] == "close" and close.outputs["bars_loaded"] == 1
    bar.refresh_from_db()
    assert bar.close == today["close"] and bar.midday == pytest.approx(10.0 * 1.01 ** len(sessions))  # kept
    assert DailyBar.objects.filter(stock=stock).count() == len(sessions)


def test_noon_bars_are_checked_against_the_last_close_even_one_from_before_yesterday(provider, settings):
    sessions = calendar.sessions(datetime.date(2024, 2, 1), datetime.date(2024, 3, 1))
    for code in ("600000", "600001", "600002"):  # main board: a 10% daily limit
        StockFactory(code=code, source="table")
        provider.bars[code] = walk(sessions if code != "600002" else sessions[:-1])  # 600002 suspended on 1 March
    settings.HISTORY_START, settings.CLOCK_NOW = "2024-02-01", "2024-03-01T20:00:00+08:00"
    run("sync_history", source="table")
    last = {code: DailyBar.objects.filter(stock__code=code).latest("date").close for code in provider.bars}
    settings.CLOCK_NOW = "2024-03-04T11:35:00+08:00"
    at = datetime.datetime(2024, 3, 4, 11, 30, tzinfo=SHANGHAI)
    provider.quote_list = [Quote("600000", last["600000"] * 1.02, at, open=last["600000"]),
                           Quote("600001", last["600001"] * 1.25, at, open=last["600001"]),  # beyond the limit
                           Quote("600002", last["600002"] * 1.15, at, open=last["600002"])]  # beyond, from 29 Feb
    outputs = run("sync_history", source="table").outputs
    assert (outputs["stocks"], outputs["bars_loaded"], outputs["bars_rejected"]) == (3, 1, 2)
    reasons = {row["code"]: row["reason"] for row in outputs["rejected_rows"]}
    assert set(reasons) == {"600001", "600002"} and all("beyond the" in reason for reason in reasons.values())
    assert f"from the previous close {last['600002']}" in reasons["600002"]
    assert DailyBar.objects.get(stock__code="600000", date=datetime.date(2024, 3, 4)).close is None


def test_history_sync_fills_the_gap_since_the_last_stored_day_and_reports_bad_bars(provider, settings):
    stock = StockFactory(code="600000", source="table")
    sessions = calendar.sessions(datetime.date(2024, 2, 1), datetime.date(2024, 2, 29))
    bars = walk(sessions)
    bars.loc[5, "close"] = bars.loc[5, "high"] * 3  # bad data at the 6th session
    provider.bars["600000"] = bars
    settings.HISTORY_START, settings.CLOCK_NOW = "2024-02-01", "2024-02-29T20:00:00+08:00"
    outputs = run("sync_history", source="table").outputs
    assert outputs["bars_rejected"] == 1 and "outside the day's range" in outputs["rejected_rows"][0]["reason"]
    assert RejectedBar.objects.get().code == "600000"
    assert DailyBar.objects.filter(stock=stock).count() == len(sessions) - 1


def test_the_close_sync_of_a_large_universe_fans_out_chunks_to_the_market_queue(
        provider, settings, django_capture_on_commit_callbacks):
    from unittest import mock

    sessions = calendar.sessions(datetime.date(2024, 2, 1), datetime.date(2024, 2, 29))
    codes = [f"{600000 + i:06d}" for i in range(5)]
    for code in codes:
        StockFactory(code=code, source="table")
        provider.bars[code] = walk(sessions)
    provider.bars[codes[3]] = provider.bars[codes[3]].iloc[:0]  # one stock the provider has nothing for
    settings.HISTORY_START, settings.CLOCK_NOW = "2024-02-01", "2024-02-29T20:00:00+08:00"
    task = registry.get("sync_history_chunk").task
    with mock.patch.object(task, "apply_async") as sent, django_capture_on_commit_callbacks(execute=True):
        parent = run("sync_history", source="table", chunk_size=2)
    children = list(parent.children.order_by("pk"))
    assert parent.outputs["chunks"] == 3 and [c.pk for c in children] == parent.outputs["child_runs"]
    assert [len(c.inputs["stock_ids"]) for c in children] == [2, 2, 1]
    assert sent.call_count == 3 and sent.call_args.kwargs["queue"] == "market"
    assert not DailyBar.objects.exists()  # the parent only hands out the work

    for child in children:  # what the market workers would do
        execute(registry.get("sync_history_chunk"), run_id=child.pk, inputs=child.inputs)
    assert DailyBar.objects.count() == 4 * len(sessions)
    assert [c.status for c in parent.children.order_by("pk")] == ["succeeded"] * 3
    with mock.patch.object(task, "apply_async"), django_capture_on_commit_callbacks(execute=True):
        assert run("sync_history", source="table", chunk_size=10).outputs["bars_loaded"] == 0  # one chunk: here
    refused = run("sync_history", source="table", chunk_size=0)
    assert refused.status == WorkflowRun.Status.FAILED and "chunk_size must be at least 1" in refused.error


def test_cleanup_deletes_old_rows_but_keeps_each_stocks_recent_window(settings):
    stock = StockFactory()
    sessions = calendar.sessions(datetime.date(2023, 1, 3), datetime.date(2024, 6, 28))
    from market.storage import upsert_bars

    upsert_bars(walk(sessions, step=0.0).assign(stock_id=stock.pk))
    quiet = StockFactory()
    upsert_bars(walk(sessions[:130], step=0.0).assign(stock_id=quiet.pk))  # stopped trading long ago
    PredictionFactory(trading_date=datetime.date(2023, 1, 3))
    settings.CLOCK_NOW = "2024-07-01T03:00:00+08:00"
    outputs = run("cleanup", bar_days=365, prediction_days=365).outputs
    assert outputs["deleted"]["predictions"] == 1
    cutoff = datetime.date(2023, 7, 2)
    assert DailyBar.objects.filter(stock=stock, date__lt=cutoff).count() == 0
    assert DailyBar.objects.filter(stock=stock).count() == len([d for d in sessions if d >= cutoff])
    assert DailyBar.objects.filter(stock=quiet).count() == 120  # its last 120 bars are what the model can still use


def test_cleanup_names_a_bad_input():
    failed = run("cleanup", bar_days=-1)
    assert failed.status == WorkflowRun.Status.FAILED and "bar_days must be a whole number of days" in failed.error


def test_permission_refresh_skips_without_a_broker_then_stores_what_brokers_report(monkeypatch):
    monkeypatch.setattr(permissions, "_sources", [])
    skipped = run("refresh_permissions")
    assert skipped.status == WorkflowRun.Status.SKIPPED
    StockFactory(code="600000")
    StockFactory(code="688981")
    permissions.register(lambda: {"600000": True, "688981": False})  # a broker that may not trade STAR
    assert run("refresh_permissions").outputs == {"reported": 2, "not_tradable": 1, "changed": 1}
    assert not Stock.objects.get(code="688981").is_tradable


def test_permission_refresh_asks_the_default_accounts_broker():
    StockFactory(code="600000", is_tradable=False)
    outputs = run("refresh_permissions").outputs  # the paper account may trade every listed stock
    assert outputs["changed"] == 1 and Stock.objects.get(code="600000").is_tradable


def test_the_cache_keeps_a_quote_for_every_stock_of_a_large_universe():
    at = datetime.datetime(2024, 3, 4, 9, 0, tzinfo=SHANGHAI)
    codes = [f"{600000 + i:06d}" for i in range(5000)]
    quote_cache.store([Quote(code, 10.0, at) for code in codes], "test")
    assert len(quote_cache.get_many(codes)) == 5000
