"""The seeded synthetic A-share market: deterministic, valid bars, and the variety of a real universe."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import exchange_calendars as xcals
import numpy as np
import pandas as pd
import pytest

from market.codes import classify_a_share
from market.models import PRICE_LIMITS, ST_PRICE_LIMIT, Board
from market.providers.base import BAR_COLUMNS, ProviderError, StockInfo
from market.providers.simulated import SimulatedMarket

SHANGHAI = ZoneInfo("Asia/Shanghai")
START, END = datetime.date(2022, 1, 4), datetime.date(2025, 6, 30)


@pytest.fixture(scope="module")
def market() -> SimulatedMarket:
    return SimulatedMarket(stocks=300, seed=7, start=START, end=END)


@pytest.fixture(scope="module")
def universe(market: SimulatedMarket) -> pd.DataFrame:
    return market.bars_for_universe(START, END)


@pytest.fixture(scope="module")
def infos(market: SimulatedMarket) -> dict[str, StockInfo]:
    return {info.code: info for info in market.list_stocks()}


def _limit(info: StockInfo) -> float:
    return ST_PRICE_LIMIT if info.is_st and info.board == Board.MAIN else PRICE_LIMITS[Board(info.board)]


def _with_previous_close(universe: pd.DataFrame, infos: dict[str, StockInfo]) -> pd.DataFrame:
    frame = universe.copy()
    frame["prev"] = frame.groupby("code")["close"].shift()
    frame["limit"] = frame["code"].map({code: _limit(info) for code, info in infos.items()})
    return frame.dropna(subset=["prev"])


def test_the_same_seed_gives_the_same_market_and_another_seed_another():
    a, b, c = (SimulatedMarket(stocks=50, seed=seed, start=START, end=END) for seed in (7, 7, 8))
    assert a.list_stocks() == b.list_stocks()
    pd.testing.assert_frame_equal(a.bars_for_universe(START, END), b.bars_for_universe(START, END))
    assert [s.code for s in a.list_stocks()] != [s.code for s in c.list_stocks()]
    code = a.list_stocks()[0].code
    c_code = c.list_stocks()[0].code
    assert not a.daily_bars(code, START, END)["close"].equals(c.daily_bars(c_code, START, END)["close"])


def test_a_sub_range_is_exactly_a_slice_of_the_full_range(market, infos):
    code = next(iter(infos))
    full = market.daily_bars(code, START, END)
    lo, hi = datetime.date(2023, 3, 1), datetime.date(2023, 9, 30)
    part = market.daily_bars(code, lo, hi)
    expected = full[(full["date"] >= lo) & (full["date"] <= hi)].reset_index(drop=True)
    pd.testing.assert_frame_equal(part, expected, check_exact=True)


def test_a_later_end_only_appends_days_and_one_stock_alone_matches_the_bulk_load(market, universe, infos):
    longer = SimulatedMarket(stocks=300, seed=7, start=START, end=datetime.date(2026, 3, 31))
    for code in list(infos)[::29]:
        bars = market.daily_bars(code, START, END)
        pd.testing.assert_frame_equal(longer.daily_bars(code, START, END), bars, check_exact=True)
        bulk = universe[universe["code"] == code].drop(columns="code").reset_index(drop=True)
        pd.testing.assert_frame_equal(bulk, bars, check_exact=True)


def test_every_bar_is_a_valid_a_share_bar(universe, infos):
    assert list(universe.columns) == ["code", *BAR_COLUMNS]
    prices = universe[["open", "midday", "high", "low", "close"]].to_numpy()
    assert (prices > 0).all() and not np.isnan(prices).any()
    assert np.allclose(prices * 100, np.round(prices * 100), atol=1e-6, rtol=0)
    low, high = universe["low"].to_numpy(), universe["high"].to_numpy()
    assert (high >= low).all()
    for column in ("open", "midday", "close"):
        assert ((universe[column] >= low) & (universe[column] <= high)).all(), column
    assert (universe["volume"] > 0).all() and (universe["volume"] % 100 == 0).all()
    average = universe["amount"] / universe["volume"]
    assert ((average >= low - 0.01) & (average <= high + 0.01)).all()
    assert universe["close"].between(1, 400).all() and universe["close"].between(2, 300).mean() > 0.98


def test_every_price_stays_within_the_board_limit_of_the_previous_close(universe, infos):
    frame = _with_previous_close(universe, infos)
    band = frame["prev"] * frame["limit"] + 0.01  # limit prices are rounded to the 0.01 tick
    for column in ("open", "midday", "high", "low", "close"):
        assert ((frame[column] - frame["prev"]).abs() <= band).all(), column


def test_a_300_stock_universe_has_limit_up_and_limit_down_days(universe, infos):
    frame = _with_previous_close(universe, infos)
    # The exchanges' limit prices: previous close * (1 +/- limit), rounded half-up to the 0.01 tick.
    up = frame["close"] == np.floor(frame["prev"] * (1 + frame["limit"]) * 100 + 0.5 + 1e-6) / 100
    down = frame["close"] == np.floor(frame["prev"] * (1 - frame["limit"]) * 100 + 0.5 + 1e-6) / 100
    assert up.sum() > 50 and down.sum() > 50
    assert (frame.loc[up, "high"] == frame.loc[up, "close"]).all()  # nothing trades above the limit price
    assert up.mean() < 0.05 and down.mean() < 0.05


def test_the_universe_spans_the_boards_with_st_delisted_and_new_listings(market, infos):
    stocks = list(infos.values())
    assert len(infos) == len(stocks) > 250
    boards = {s.board for s in stocks}
    assert boards == {"main", "chinext", "star", "bse"}
    assert all(s.name.startswith("SIM ") for s in stocks)
    assert all(classify_a_share(s.code) == (s.exchange, s.board) for s in stocks)
    prefixes = {s.code[:3] for s in stocks}
    assert {"600", "000", "300", "688"} <= prefixes and prefixes & {"830", "831", "832", "833", "870", "871", "920"}
    st = [s for s in stocks if s.is_st]
    assert st and all(s.board == "main" for s in st) and len(st) <= 0.06 * len(stocks)
    delisted = [s for s in stocks if not s.listed]
    assert delisted and all(START < s.delisted_on <= END for s in delisted)
    assert any(s.listed_on > START for s in stocks)
    assert sum(s.listed_on < START for s in stocks) > 0.8 * len(stocks)


def test_there_are_no_bars_on_non_sessions_before_listing_after_delisting_or_while_suspended(market, universe, infos):
    sessions = {d.date() for d in xcals.get_calendar("XSHG").sessions_in_range(START, END)}
    assert set(universe["date"]) <= sessions
    first, last = universe.groupby("code")["date"].min(), universe.groupby("code")["date"].max()
    for code, info in infos.items():
        assert first[code] >= max(info.listed_on, START)
        if not info.listed:
            assert last[code] < info.delisted_on
    # A stock listed before START and never delisted, with sessions missing from its bars, was suspended.
    counts = universe.groupby("code").size()
    suspended = [c for c, info in infos.items() if info.listed and info.listed_on < START and counts[c] < len(sessions)]
    assert suspended
    code = suspended[0]
    dates = set(universe.loc[universe["code"] == code, "date"])
    gap = min(d for d in sessions if d not in dates)
    quote = market.quote_at(code, datetime.datetime.combine(gap, datetime.time(10, 0), SHANGHAI))
    before = max(d for d in dates if d < gap)
    assert quote.suspended and quote.price == market.daily_bars(code, before, before)["close"].iloc[0]


def test_quote_at_follows_the_shape_of_the_trading_day(market, infos):
    code = next(c for c, info in infos.items() if info.listed_on < START and info.listed)
    bars = market.daily_bars(code, datetime.date(2024, 1, 1), datetime.date(2024, 3, 31))
    previous = market.daily_bars(code, START, END)
    for _, bar in bars.iterrows():
        at = lambda h, m: datetime.datetime.combine(bar["date"], datetime.time(h, m), SHANGHAI)  # noqa: E731
        prev_close = previous.loc[previous["date"] < bar["date"], "close"].iloc[-1]
        assert market.quote_at(code, at(9, 0)).price == prev_close
        assert market.quote_at(code, at(9, 27)).price == bar["open"]
        assert market.quote_at(code, at(12, 0)).price == bar["midday"]
        assert market.quote_at(code, at(15, 30)).price == bar["close"]
        early = market.quote_at(code, at(9, 45)).price
        slack = 0.25 * (bar["high"] - bar["low"]) + 0.01
        assert min(bar["open"], bar["midday"]) - slack <= early <= max(bar["open"], bar["midday"]) + slack
        for h, m in ((9, 31), (10, 17), (11, 29), (13, 1), (14, 3), (14, 59)):
            quote = market.quote_at(code, at(h, m))
            assert bar["low"] <= quote.price <= bar["high"] and not quote.suspended
            assert quote.low <= quote.price <= quote.high
        assert market.quote_at(code, at(10, 17)) == market.quote_at(code, at(10, 17))


def test_a_non_trading_day_quotes_the_last_close_and_unknown_codes_are_left_out(market, infos):
    code = next(c for c, info in infos.items() if info.listed and info.listed_on < START)
    friday = market.daily_bars(code, datetime.date(2024, 9, 23), datetime.date(2024, 9, 27)).iloc[-1]
    sunday = datetime.datetime(2024, 9, 29, 11, 0, tzinfo=SHANGHAI)
    quote = market.quote_at(code, sunday)
    assert quote.price == friday["close"] and not quote.suspended
    assert [q.code for q in market.quotes([code, "999999"], at=sunday)] == [code]
    with pytest.raises(ProviderError):
        market.daily_bars("999999", START, END)


def test_quotes_for_now_agree_with_the_last_bar(market, infos):
    codes = list(infos)[:20]
    late = datetime.datetime.combine(END, datetime.time(16), SHANGHAI)
    for quote in market.quotes(codes, at=late):
        last = market.daily_bars(quote.code, START, END).iloc[-1]
        assert quote.price == last["close"]


def test_midday_prices_are_the_bars_midday_by_date(market, infos):
    code = next(iter(infos))
    bars = market.daily_bars(code, START, datetime.date(2022, 3, 31))
    midday = market.midday_prices(code, START, datetime.date(2022, 3, 31))
    assert list(midday.index) == list(bars["date"]) and (midday.to_numpy() == bars["midday"].to_numpy()).all()


def test_ranges_beyond_the_calendar_are_clamped_not_an_error():
    market = SimulatedMarket(stocks=20, seed=1, start=datetime.date(2026, 11, 2), end=datetime.date(2030, 1, 1))
    assert market.end <= xcals.get_calendar("XSHG").last_session.date()
    bars = market.bars_for_universe(datetime.date(2026, 11, 2), datetime.date(2031, 1, 1))
    assert len(bars) and bars["date"].max() <= market.end
    assert market.bars_for_universe(datetime.date(2032, 1, 1), datetime.date(2033, 1, 1)).empty


def test_four_thousand_stocks_over_five_hundred_sessions_generate_in_bulk():
    market = SimulatedMarket(stocks=4000, seed=11, start=START, end=datetime.date(2024, 2, 8))
    assert 480 <= len(market.sessions) <= 520
    bars = market.bars_for_universe(START, market.end)
    assert 0.85 * 4000 * len(market.sessions) < len(bars) <= 4000 * len(market.sessions)
    assert bars["code"].nunique() > 3800
