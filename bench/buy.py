"""Benchmark: the buy workflow over 4,000 scored candidates on the paper broker.

    python bench/buy.py
    BENCH_DATABASE_URL=mysql://root@127.0.0.1:3306/stocktrading_bench python bench/buy.py

Goal (issue #5): ranking + orders + persistence under 2 s on the 2-core machine. Scores and prices are
made up (SYNTHETIC); the clock is pinned to a Monday afternoon session. Timed as a worker runs it,
through the workflow runner (run ledger included).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import time

from _django import setup

MONDAY = datetime.date(2024, 3, 4)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stocks", type=int, default=4000)
    args = parser.parse_args()
    os.environ["CLOCK_NOW"] = "2024-03-04T13:30:00+08:00"
    database = setup()

    import numpy as np
    import pandas as pd
    from django.conf import settings

    from brokers.models import BrokerAccount, PaperAccount, PaperOrder
    from market import quotes
    from market.models import DailyBar, Stock
    from market.providers.base import Quote
    from market.storage import upsert_bars
    from modelling.models import ModelVersion, Prediction
    from trading.models import Order, Strategy
    from workflows import registry
    from workflows.models import WorkflowRun
    from workflows.runner import execute

    settings.CLOCK_NOW = os.environ["CLOCK_NOW"]
    for model in (WorkflowRun, Order, PaperOrder, Prediction, ModelVersion, DailyBar, Stock, PaperAccount, BrokerAccount):
        model.objects.all().delete()
    Stock.objects.bulk_create([Stock(code=f"{600000 + i:06d}", exchange="SSE", source="bench", is_synthetic=True)
                               for i in range(args.stocks)])
    stocks = list(Stock.objects.order_by("code"))
    rng = np.random.default_rng(5)
    closes = np.round(rng.uniform(3, 60, len(stocks)), 2)
    upsert_bars(pd.DataFrame({"stock_id": [s.pk for s in stocks], "date": datetime.date(2024, 3, 1), "open": closes,
                              "midday": closes, "high": closes, "low": closes, "close": closes}))
    when = datetime.datetime.fromisoformat(settings.CLOCK_NOW)
    quotes.store([Quote(s.code, float(c), when) for s, c in zip(stocks, closes)], "bench")
    version = ModelVersion.objects.create(version="bench", status="ready")
    scores = rng.normal(0, 0.01, len(stocks))
    Prediction.objects.bulk_create([
        Prediction(stock=s, trading_date=MONDAY, target_date=MONDAY + datetime.timedelta(days=1),
                   predicted_open=float(c), expected_return=float(r), score=float(r), model_version=version)
        for s, c, r in zip(stocks, closes, scores)])
    account = BrokerAccount.objects.create(name="paper", adapter="paper")
    Strategy.objects.create(account=account, buy_wait_seconds=0)

    started = time.perf_counter()
    execute(registry.get("buy"), run_id=None, inputs={})
    seconds = time.perf_counter() - started
    run = WorkflowRun.objects.get(workflow="buy")
    assert run.status == "succeeded", run.error
    print("skipped (sample):", dict(list(run.outputs["skipped"].items())[:3]))
    print(f"database: {database}; machine: {platform.machine()}, {os.cpu_count()} cores")
    print(f"buy over {len(stocks):,} scored candidates: {len(run.outputs['orders'])} orders "
          f"({', '.join(o['status'] for o in run.outputs['orders'])}), {run.outputs['skipped_count']} skipped, "
          f"in {seconds:.2f} s")


if __name__ == "__main__":
    main()
