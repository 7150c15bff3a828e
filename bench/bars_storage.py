"""Benchmark: bulk upsert of 4,000 stocks x 500 days = 2,000,000 bars, and reading them back as arrays.

    python bench/bars_storage.py                      # SQLite (a scratch file)
    BENCH_DATABASE_URL=mysql://root@127.0.0.1:3306/stocktrading_bench python bench/bars_storage.py

Goals (issue #3): upsert under 60 s on MariaDB on the 2-core machine, read under 10 s. Also times the
naive one-`save()`-per-row ORM path on a sample and reports the ratio.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import time

import numpy as np
import pandas as pd

from _django import setup


def synthetic_bars(stock_ids: list[int], days: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    dates = pd.bdate_range("2022-01-03", periods=days).date
    n = len(stock_ids) * days
    close = 10 * np.exp(np.cumsum(rng.normal(0, 0.02, (len(stock_ids), days)), axis=1)).ravel()
    return pd.DataFrame({
        "stock_id": np.repeat(stock_ids, days), "date": np.tile(dates, len(stock_ids)),
        "open": close * 0.99, "midday": close * 1.001, "high": close * 1.02, "low": close * 0.98, "close": close,
        "volume": rng.integers(1, 10_000, n) * 100, "amount": close * 1e5,
    })


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stocks", type=int, default=4000)
    parser.add_argument("--days", type=int, default=500)
    parser.add_argument("--naive-rows", type=int, default=5000)
    args = parser.parse_args()
    database = setup()

    from market.models import DailyBar, Stock
    from market.storage import load_bars, upsert_bars

    DailyBar.objects.all().delete()
    Stock.objects.filter(code__startswith="B").delete()
    Stock.objects.bulk_create([Stock(code=f"B{i:06d}", exchange="SSE", source="bench") for i in range(args.stocks)])
    ids = list(Stock.objects.filter(code__startswith="B").order_by("code").values_list("pk", flat=True))
    bars = synthetic_bars(ids, args.days)
    print(f"database: {database}; machine: {platform.machine()}, {__import__('os').cpu_count()} cores")

    started = time.perf_counter()
    written = upsert_bars(bars)
    insert_s = time.perf_counter() - started
    started = time.perf_counter()
    upsert_bars(bars)  # every row now conflicts: the update path
    update_s = time.perf_counter() - started

    started = time.perf_counter()
    arrays = load_bars()
    read_s = time.perf_counter() - started
    assert len(arrays) == written == len(bars)
    reads = {}
    for feature_set, columns in (("morning", ["open", "midday"]), ("daily", ["open", "high", "low", "close"])):
        started = time.perf_counter()
        assert len(load_bars(columns=columns)) == written
        reads[feature_set] = time.perf_counter() - started

    DailyBar.objects.filter(date__gt=datetime.date(2030, 1, 1)).delete()
    sample = bars.head(args.naive_rows).copy()
    sample["date"] = [datetime.date(2031, 1, 1) + datetime.timedelta(days=i) for i in range(len(sample))]
    started = time.perf_counter()
    for row in sample.itertuples(index=False):
        DailyBar(stock_id=row.stock_id, date=row.date, open=row.open, midday=row.midday, high=row.high, low=row.low,
                 close=row.close, volume=int(row.volume), amount=row.amount).save()
    naive_per_row = (time.perf_counter() - started) / len(sample)
    bulk_per_row = insert_s / written

    print(f"upsert {written:,} new bars: {insert_s:.1f} s ({written / insert_s:,.0f} rows/s)")
    print(f"upsert {written:,} existing bars (update path): {update_s:.1f} s")
    print(f"read {len(arrays):,} bars into arrays, all 7 columns: {read_s:.1f} s")
    for feature_set, seconds in reads.items():
        print(f"read {len(arrays):,} bars into arrays, the {feature_set} feature set's columns: {seconds:.1f} s")
    print(f"naive save() per row: {naive_per_row * 1e3:.2f} ms on {len(sample):,} rows -> "
          f"{naive_per_row * written:.0f} s for {written:,}; bulk upsert is {naive_per_row / bulk_per_row:.0f}x faster")
    DailyBar.objects.all().delete()


if __name__ == "__main__":
    main()
