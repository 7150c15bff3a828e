"""Benchmark: noon prediction for 4,000 stocks, from the database to stored Prediction rows.

    python bench/prediction.py
    BENCH_DATABASE_URL=mysql://root@127.0.0.1:3306/stocktrading_bench python bench/prediction.py

Goal (issue #4): under 3 s. Bars are a SYNTHETIC universe (the simulated market) and the model is an
untrained network of the default config: this measures the pipeline's speed, not its predictions.
Timed from the call to stored rows, in a warm process (as in a worker: TensorFlow already imported).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import time

from _django import setup


def main() -> None:
    parser = argparse.ArgumentParser()
    # The simulated market lists about 92% of the codes it generates on a given day (listings, delistings).
    parser.add_argument("--stocks", type=int, default=4400)
    parser.add_argument("--days", type=int, default=60)
    args = parser.parse_args()
    database = setup()

    from django.conf import settings

    from market import calendar
    from market.ingest import upsert_stocks
    from market.models import DailyBar, Stock
    from market.providers.simulated import SimulatedMarket
    from market.storage import upsert_bars
    from modelling import network
    from modelling.config import ModelConfig
    from modelling.models import ModelVersion, Prediction
    from modelling.prediction import predict

    end = datetime.date(2026, 11, 23)
    start = calendar.sessions(end - datetime.timedelta(days=args.days * 2), end)[-args.days]
    market = SimulatedMarket(stocks=args.stocks, seed=3, start=start, end=end)
    Prediction.objects.all().delete()
    ModelVersion.objects.all().delete()
    DailyBar.objects.all().delete()
    Stock.objects.all().delete()
    upsert_stocks(market.list_stocks(), market.name, synthetic=True)
    ids = dict(Stock.objects.filter(source=market.name).values_list("code", "pk"))
    universe = market.bars_for_universe(start, end)
    upsert_bars(universe.assign(stock_id=universe["code"].map(ids)).drop(columns="code"))

    config = ModelConfig()
    path = settings.MODEL_DIR / "bench.keras"
    network.save(network.build(config), path)
    version = ModelVersion.objects.create(version="bench", config=config.as_dict(), artefact_path=str(path),
                                          status=ModelVersion.Status.READY)
    version.activate()
    predict(end)  # warm-up: the first call traces TensorFlow's predict function
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        result = predict(end)
        timings.append(time.perf_counter() - started)
    print(f"database: {database}; machine: {platform.machine()}, {os.cpu_count()} cores; {network.device_summary()}")
    print(f"predict {result['predicted']:,} of {len(ids):,} stocks ({result['skipped']} skipped), database to stored "
          f"rows: best {min(timings):.2f} s, runs {', '.join(f'{t:.2f}' for t in timings)} s")


if __name__ == "__main__":
    main()
