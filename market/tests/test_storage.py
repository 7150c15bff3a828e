"""Bulk upsert and array reads, on whichever database the suite runs against (SQLite, MariaDB)."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest

from market.models import DailyBar
from market.storage import close_before, latest_dates, load_bars, upsert_bars
from market.tests.factories import StockFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def bars(stock_id: int, days: list[datetime.date], **values: float) -> pd.DataFrame:
    base = {"open": 10.0, "midday": 10.1, "high": 10.5, "low": 9.5, "close": 10.2, "volume": 1000, "amount": 10200.0}
    return pd.DataFrame([{"stock_id": stock_id, "date": d, **base, **values} for d in days])


def test_upserting_the_same_bars_twice_changes_nothing():
    stock = StockFactory()
    days = [D(2024, 1, 2), D(2024, 1, 3)]
    assert upsert_bars(bars(stock.pk, days)) == 2
    before = list(DailyBar.objects.values())
    upsert_bars(bars(stock.pk, days))
    assert list(DailyBar.objects.values()) == before


def test_a_later_value_replaces_a_stored_one_but_a_missing_value_never_blanks_it():
    stock = StockFactory()
    upsert_bars(bars(stock.pk, [D(2024, 1, 2)], close=np.nan, high=np.nan, low=np.nan, volume=np.nan))  # noon bar
    upsert_bars(bars(stock.pk, [D(2024, 1, 2)], midday=np.nan, close=10.4, high=10.6))  # full bar, no midday
    bar = DailyBar.objects.get()
    assert (bar.open, bar.midday, bar.close, bar.high, bar.volume) == (10.0, 10.1, 10.4, 10.6, 1000)


def test_the_whole_universe_reads_into_arrays_in_stock_then_date_order():
    first, second = StockFactory(), StockFactory()
    upsert_bars(pd.concat([bars(second.pk, [D(2024, 1, 3), D(2024, 1, 2)], close=11.0),
                           bars(first.pk, [D(2024, 1, 2)], midday=np.nan)]))
    arrays = load_bars()
    assert list(arrays.stock_ids) == sorted([first.pk, second.pk])
    dates, values = arrays.of(list(arrays.stock_ids).index(second.pk))
    assert list(dates) == [np.datetime64("2024-01-02"), np.datetime64("2024-01-03")]
    assert values.shape == (2, 7) and values[0, 4] == 11.0
    assert np.isnan(arrays.of(list(arrays.stock_ids).index(first.pk))[1][0, 1])  # midday NULL -> NaN


def test_reads_filter_by_stock_and_date_range():
    stock, other = StockFactory(), StockFactory()
    upsert_bars(pd.concat([bars(stock.pk, [D(2024, 1, d) for d in (2, 3, 4)]), bars(other.pk, [D(2024, 1, 3)])]))
    arrays = load_bars([stock.pk], start=D(2024, 1, 3), end=D(2024, 1, 3))
    assert list(arrays.stock_ids) == [stock.pk] and len(arrays) == 1
    assert len(load_bars([])) == 0


def test_resume_points_skip_a_bar_without_close():
    stock = StockFactory()
    upsert_bars(bars(stock.pk, [D(2024, 1, 2)]))
    upsert_bars(bars(stock.pk, [D(2024, 1, 3)], close=np.nan))
    assert latest_dates([stock.pk]) == {stock.pk: D(2024, 1, 3)}
    assert latest_dates([stock.pk], complete_only=True) == {stock.pk: D(2024, 1, 2)}
    assert close_before(stock.pk, D(2024, 1, 4)) == 10.2
