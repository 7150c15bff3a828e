"""Benchmark: the 11:35 history sync (today's partial bar of every stock), which predict at 12:00 waits for.

    python bench/noon_sync.py                      # SQLite
    BENCH_DATABASE_URL=mysql://root@127.0.0.1:3306/stocktrading_bench python bench/noon_sync.py

4,000 SYNTHETIC stocks (the simulated market) with 10 trading days of history; timed: one noon sync run,
quotes from the provider, the check of every row and the upsert.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

from _django import setup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stocks", type=int, default=4000)
    args = parser.parse_args()
    os.environ["SIMULATED_STOCKS"] = str(args.stocks)
    database = setup()

    from django.conf import settings

    from market.ingest import upsert_stocks
    from market.models import DailyBar, Stock
    from market.providers import get
    from workflows import registry
    from workflows.models import WorkflowRun
    from workflows.runner import execute

    DailyBar.objects.all().delete()
    Stock.objects.all().delete()
    provider = get("simulated")
    upsert_stocks(provider.list_stocks(), provider.name, synthetic=True)
    settings.HISTORY_START, settings.CLOCK_NOW = "2026-11-05", "2026-11-18T20:00:00+08:00"
    execute(registry.get("data_init"), run_id=None, inputs={"fanout": False})
    settings.CLOCK_NOW = "2026-11-19T11:35:00+08:00"
    started = time.perf_counter()
    execute(registry.get("sync_history"), run_id=None, inputs={})
    seconds = time.perf_counter() - started
    run = WorkflowRun.objects.filter(workflow="sync_history").latest("pk")
    assert run.status == "succeeded" and run.outputs["mode"] == "noon", (run.status, run.error)
    print(f"database: {database}; machine: {platform.machine()}, {os.cpu_count()} cores")
    print(f"noon sync of {run.outputs['stocks']:,} SYNTHETIC stocks: {seconds:.2f} s "
          f"({run.outputs['bars_loaded']:,} bars loaded, {run.outputs['bars_rejected']} rejected)")


if __name__ == "__main__":
    main()
